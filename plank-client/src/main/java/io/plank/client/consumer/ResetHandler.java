package io.plank.client.consumer;

import java.sql.Connection;

/**
 * What to do when Plank no longer retains the changes after the consumer's position (a {@code reset}: it was away
 * longer than {@code plank.log.retention-minutes}): changes were missed and cannot be handled. Runs in the transaction
 * that moves the position past them: reload the table's state through {@code connection}, or record the gap.
 */
@FunctionalInterface
public interface ResetHandler {

    void reset(Connection connection, String reason, long newPosition) throws Exception;
}
