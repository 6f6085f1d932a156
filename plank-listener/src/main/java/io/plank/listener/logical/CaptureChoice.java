package io.plank.listener.logical;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which {@link CaptureMethod} a deployment uses, and why. {@code plank.capture.method} is {@code auto} unless set:
 * logical decoding wherever the database allows it (it costs writers least), capture by trigger otherwise, with the
 * reason, which the log, the status and the admin page show. {@code trigger} and {@code logical} are taken as
 * configured; {@code logical} without what it needs fails at start-up.
 *
 * @param method   the method in use
 * @param auto     chosen by Plank ({@code auto}), not configured
 * @param fallback why {@code auto} could not use logical decoding; null when it did, or when the method was configured
 */
public record CaptureChoice(CaptureMethod method, boolean auto, String fallback) {

    /** What logical decoding needs of the database, as found. */
    record Facts(String walLevel, boolean replication, String role, int freeSlots, boolean ownSlot, int freeWalSenders) {
    }

    /** The configured value, read: {@code auto} (also when unset or blank), {@code trigger} or {@code logical}. */
    public static boolean isAuto(String configured) {
        return configured == null || configured.isBlank() || "auto".equals(configured.strip().toLowerCase(Locale.ROOT));
    }

    /** Chooses, asking the database what it allows only for {@code auto}. */
    public static CaptureChoice of(String configured, Connection connection, String slot) throws SQLException {
        if (!isAuto(configured)) {
            return new CaptureChoice(CaptureMethod.of(configured), false, null);
        }
        return decide(facts(connection, slot));
    }

    /** {@code auto}'s decision from what the database allows. */
    static CaptureChoice decide(Facts facts) {
        List<String> missing = new ArrayList<>();
        if (!"logical".equals(facts.walLevel())) {
            missing.add("wal_level is " + facts.walLevel() + ", not logical (ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL)");
        }
        if (!facts.replication()) {
            missing.add("role " + facts.role() + " has no REPLICATION attribute (ALTER ROLE " + facts.role() + " REPLICATION)");
        }
        if (!facts.ownSlot() && facts.freeSlots() <= 0) {
            missing.add("no free replication slot (raise max_replication_slots)");
        }
        if (facts.freeWalSenders() <= 0) {
            missing.add("no free WAL sender (raise max_wal_senders)");
        }
        if (missing.isEmpty()) {
            return new CaptureChoice(CaptureMethod.LOGICAL, true, null);
        }
        return new CaptureChoice(CaptureMethod.TRIGGER, true, "Capturing by trigger, which costs writers more than logical decoding: "
                + String.join("; ", missing));
    }

    private static Facts facts(Connection connection, String slot) throws SQLException {
        try (var statement = connection.prepareStatement("""
                SELECT current_setting('wal_level'),
                       (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user),
                       current_user,
                       current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots),
                       EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?),
                       current_setting('max_wal_senders')::int - (SELECT count(*) FROM pg_stat_replication)
                """)) {
            statement.setString(1, slot);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return new Facts(row.getString(1), row.getBoolean(2), row.getString(3), row.getInt(4), row.getBoolean(5), row.getInt(6));
            }
        }
    }

    /** What operators read: the method, and how it was chosen. */
    public String describe() {
        if (!auto) {
            return method.sqlName() + " (configured)";
        }
        return fallback == null ? method.sqlName() + " (auto: the database allows logical decoding)" : method.sqlName() + " (auto: " + fallback + ")";
    }
}
