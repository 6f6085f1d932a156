package io.plank.persistence.capture;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.plank.domain.change.CaptureMode;
import io.plank.domain.change.TableName;

/**
 * Captures the tables named in {@code plank.capture.tables} ({@code orders, sales.invoices:ephemeral}, a list as
 * MicroProfile Config reads it) at start-up, after the migrations, through {@link Captures} like the admin API. A
 * name that cannot be captured is logged and skipped: it must not keep Plank from starting.
 */
public final class ConfiguredCaptures {

    private static final Logger LOG = Logger.getLogger(ConfiguredCaptures.class.getName());

    private ConfiguredCaptures() {
    }

    public static void apply(Captures captures, List<String> configured) {
        for (String entry : configured) {
            if (!entry.isBlank()) {
                capture(captures, entry.strip());
            }
        }
    }

    private static void capture(Captures captures, String entry) {
        try {
            String[] parts = entry.split(":", 2);
            TableName table = TableName.parse(parts[0].strip());
            CaptureMode mode = parts.length == 2 ? CaptureMode.ofSqlName(parts[1].strip()) : CaptureMode.DURABLE;
            captures.capture(table, mode);
            LOG.info(() -> "Capturing " + table + " (" + mode.sqlName() + "), as configured");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Could not capture '" + entry + "' from plank.capture.tables: " + e.getMessage(), e);
        }
    }
}
