package io.plank.example.billing;

import java.util.concurrent.Callable;

import jakarta.annotation.Resource;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;

/**
 * The consumer's {@code TransactionRunner}: each step (the handler's work and the position's move) in a new
 * container-managed transaction, which the container commits when the step returns.
 */
@Stateless
public class Transactions {

    @Resource
    private SessionContext context;

    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public void inTransaction(Callable<Void> work) throws Exception {
        try {
            work.call();
        } catch (Exception e) {
            // A checked exception is an application exception, which the container would commit: roll back.
            context.setRollbackOnly();
            throw e;
        }
    }
}
