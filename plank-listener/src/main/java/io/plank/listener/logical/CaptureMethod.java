package io.plank.listener.logical;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.logging.Logger;

import javax.sql.DataSource;

/**
 * How durable tables are captured in this deployment ({@code plank.capture.method}, chosen by {@link CaptureChoice}
 * when {@code auto}): {@code trigger} (a trigger
 * writes the log row and NOTIFYs in the writer's transaction; needs nothing but a trigger) or {@code logical} (the
 * table is published and {@link LogicalDecoder} writes the log; needs {@code wal_level=logical} and the REPLICATION
 * attribute). Stored in the database at start-up, where {@code plank.capture()} reads it, and every durable table
 * is moved to it.
 */
public enum CaptureMethod {
    TRIGGER, LOGICAL;

    private static final Logger LOG = Logger.getLogger(CaptureMethod.class.getName());

    /** {@code trigger} or {@code logical}; {@code auto} is {@link CaptureChoice}'s to resolve. */
    public static CaptureMethod of(String configured) {
        String name = configured == null ? "" : configured.strip().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "trigger" -> TRIGGER;
            case "logical" -> LOGICAL;
            default -> throw new IllegalArgumentException("plank.capture.method must be auto, trigger or logical, not '" + configured + "'");
        };
    }

    public String sqlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Makes the database capture this way: under {@code logical} the slot is made first (a table published before
     * the slot exists would lose the changes in between), under {@code trigger} an idle slot of Plank's is dropped so
     * that it holds no WAL.
     */
    public void apply(DataSource dataSource, String configuredSlot) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            String slot = ReplicationSlot.name(connection, configuredSlot);
            if (this == LOGICAL) {
                ReplicationSlot.ensure(connection, slot);
            } else {
                ReplicationSlot.dropIfIdle(connection, slot);
            }
            try (var statement = connection.prepareStatement("SELECT plank.use_capture_method(?)")) {
                statement.setString(1, sqlName());
                try (var result = statement.executeQuery()) {
                    result.next();
                    int moved = result.getInt(1);
                    if (moved > 0) {
                        LOG.info(() -> "Moved " + moved + " durable table(s) to capture by " + sqlName());
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not set up capture by " + sqlName() + ": " + e.getMessage(), e);
        }
    }
}
