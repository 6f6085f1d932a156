package io.plank.persistence.capture;

import java.sql.SQLException;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import io.plank.domain.change.CaptureMode;
import io.plank.domain.change.TableName;

/**
 * Captures the tables named in {@code plank.capture.tables} ({@code orders, sales.invoices:ephemeral}) at start-up,
 * after the migrations. A name that cannot be captured is logged and skipped: it must not keep Plank from starting.
 */
public final class ConfiguredCaptures {

    private static final Logger LOG = Logger.getLogger(ConfiguredCaptures.class.getName());

    private ConfiguredCaptures() {
    }

    public static void apply(DataSource dataSource, String configured) {
        if (configured == null || configured.isBlank()) {
            return;
        }
        for (String entry : configured.split(",")) {
            if (!entry.isBlank()) {
                capture(dataSource, entry.strip());
            }
        }
    }

    private static void capture(DataSource dataSource, String entry) {
        try {
            String[] parts = entry.split(":", 2);
            TableName table = TableName.parse(parts[0].strip());
            CaptureMode mode = parts.length == 2 ? CaptureMode.ofSqlName(parts[1].strip()) : CaptureMode.DURABLE;
            try (var connection = dataSource.getConnection();
                 var statement = connection.prepareStatement(
                         "SELECT plank.capture(to_regclass(quote_ident(?) || '.' || quote_ident(?)), ?)")) {
                statement.setString(1, table.schema());
                statement.setString(2, table.table());
                statement.setString(3, mode.sqlName());
                statement.execute();
            }
            LOG.info(() -> "Capturing " + table + " (" + mode.sqlName() + "), as configured");
        } catch (SQLException | IllegalArgumentException e) {
            LOG.log(Level.WARNING, "Could not capture '" + entry + "' from plank.capture.tables: " + e.getMessage(), e);
        }
    }
}
