package io.plank.listener.retention;

import java.sql.SQLException;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Schedule;
import jakarta.ejb.Singleton;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.plank.persistence.db.DatabaseSettings;

/**
 * Prunes the change log once a minute: entries older than {@code plank.log.retention-minutes} (default a day)
 * and beyond the newest {@code plank.log.max-rows} (default a million). Several instances may prune at once;
 * the deletes do not conflict in any way that matters.
 */
@Singleton
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class LogRetention {

    private static final Logger LOG = Logger.getLogger(LogRetention.class.getName());

    @Inject
    @ConfigProperty(name = "plank.log.retention-minutes", defaultValue = "1440")
    long retentionMinutes;

    @Inject
    @ConfigProperty(name = "plank.log.max-rows", defaultValue = "1000000")
    long maxRows;

    @Schedule(hour = "*", minute = "*", persistent = false, info = "plank change-log retention")
    void prune() {
        var pruner = new LogPruner(Duration.ofMinutes(retentionMinutes), maxRows);
        try (var connection = DatabaseSettings.fromConfig().open("plank-retention")) {
            long deleted = pruner.prune(connection);
            if (deleted > 0) {
                LOG.info(() -> "Pruned " + deleted + " change-log entries");
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "Could not prune the change log; will try again in a minute", e);
        }
    }
}
