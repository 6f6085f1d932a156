package io.plank.client.consumer;

import java.sql.Connection;
import java.util.List;

import io.plank.client.SubscriptionEvent.Change;

/**
 * The service's work for one committed transaction's changes to the consumed table (one change for a transaction of
 * one, or for changes logged without a transaction). It runs inside the JDBC transaction that also advances the
 * consumer's position: write through {@code connection}, and do not commit, roll back or close it. Throwing rolls
 * everything back; the consumer then starts again from its stored position, so the same changes come again.
 */
@FunctionalInterface
public interface TransactionHandler {

    void handle(Connection connection, List<Change> changes) throws Exception;
}
