package io.plank.listener.retention;

import java.sql.SQLException;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Schedule;
import jakarta.ejb.Singleton;
import jakarta.ejb.TransactionManagement;
import jakarta.ejb.TransactionManagementType;
import jakarta.inject.Inject;

import io.plank.persistence.changelog.Retention;

/**
 * Prunes the change log once a minute: entries older than {@code plank.log.retention-minutes} (default a day)
 * and beyond the newest {@code plank.log.max-rows} (default a million), on a connection of the application's pool.
 * With several instances on one database, one prunes at a time (an advisory lock); the others skip that minute.
 */
@Singleton
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
// The pruner commits each batch itself (auto-commit). With container-managed transactions Payara 6.2025.9 runs this
// timer in a transaction despite NOT_SUPPORTED on the class, enlists the pool's connection and fails to commit it
// ("Cannot commit when autoCommit is enabled"); a bean-managed bean gets no container transaction at all.
@TransactionManagement(TransactionManagementType.BEAN)
public class LogRetention {

    private static final Logger LOG = Logger.getLogger(LogRetention.class.getName());

    @Inject
    Retention retention;

    @Resource(lookup = "java:app/jdbc/plank")
    DataSource dataSource;

    @Schedule(hour = "*", minute = "*", persistent = false, info = "plank change-log retention")
    void prune() {
        pruneNow();
    }

    /** Prunes what is due now (the timer's work; JMX's "prune now"); returns how many entries were deleted, -1 if it failed. */
    public long pruneNow() {
        var pruner = new LogPruner(retention.maxAge(), retention.maxRows());
        try (var connection = dataSource.getConnection()) {
            long deleted = pruner.pruneUnlessRunning(connection);
            if (deleted > 0) {
                LOG.info(() -> "Pruned " + deleted + " change-log entries");
            }
            return deleted;
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "Could not prune the change log; will try again in a minute", e);
            return -1;
        }
    }
}
