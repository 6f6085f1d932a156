package io.plank.listener.logical;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Writes a batch of decoded transactions into the change log ({@code plank.log_decoded}) with the position it
 * reaches, and wakes the listeners, all in one transaction of the decoder's own connection: the NOTIFY is sent at
 * commit, once per batch, so its database-wide lock is taken by the decoder, never by a writer.
 */
final class LogWriter {

    private final Connection connection;

    LogWriter(Connection connection) throws SQLException {
        this.connection = connection;
        connection.setAutoCommit(false);
    }

    /** The commit LSN of the last transaction in the log: one at or below it was logged before. */
    long loggedThrough() throws SQLException {
        try (var statement = connection.createStatement();
             var result = statement.executeQuery("SELECT commit_lsn - '0/0'::pg_lsn FROM plank.decoder_position")) {
            long lsn = result.next() ? result.getLong(1) : 0;
            connection.commit();
            return lsn;
        }
    }

    /** Logs the batch's committed transactions and {@code mark} as processed; returns the changes logged. */
    long write(DecodedBatch batch, long mark) throws SQLException {
        try {
            long logged;
            try (var statement = connection.prepareStatement("SELECT plank.log_decoded(?::jsonb, ?::jsonb, ?::pg_lsn, ?::pg_lsn)")) {
                statement.setString(1, batch.json());
                statement.setString(2, batch.shapesJson());
                statement.setString(3, lsn(batch.commitLsn()));
                statement.setString(4, lsn(Math.max(batch.endLsn(), mark)));
                try (var result = statement.executeQuery()) {
                    result.next();
                    logged = result.getLong(1);
                }
            }
            if (logged > 0) {
                try (var statement = connection.createStatement()) {
                    statement.execute("NOTIFY plank_log");
                }
            }
            connection.commit();
            return logged;
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                e.addSuppressed(ignored);
            }
            throw e;
        }
    }

    private static String lsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
