package io.plank.client.consumer;

import java.util.concurrent.Callable;

/**
 * Runs the consumer's work in a container-managed (JTA) transaction, for a consumer inside an application server whose
 * {@code DataSource} takes part in JTA: begin, run {@code work}, commit; roll back if it throws. For example, an EJB
 * method with {@code @TransactionAttribute(REQUIRES_NEW)} returning {@code work.call()}, or {@code UserTransaction}.
 * With a runner the consumer never calls {@code commit}, {@code rollback} or {@code setAutoCommit} itself.
 */
@FunctionalInterface
public interface TransactionRunner {

    void inTransaction(Callable<Void> work) throws Exception;
}
