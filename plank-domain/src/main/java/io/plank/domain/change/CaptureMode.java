package io.plank.domain.change;

/**
 * How a table's changes travel. {@code DURABLE} (the default) writes each change to the change log in the
 * writer's transaction: nothing is lost while Plank or a client is away, rows of any size arrive whole, and
 * clients can resume. {@code EPHEMERAL} only NOTIFYs: no extra write, but changes made while nobody listens
 * are gone and rows over 8000 bytes arrive truncated.
 */
public enum CaptureMode {
    DURABLE, EPHEMERAL;

    /** The name PostgreSQL's {@code plank.capture(table, mode)} takes. */
    public String sqlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the allowed modes */
    public static CaptureMode ofSqlName(String name) {
        for (CaptureMode mode : values()) {
            if (mode.sqlName().equals(name)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("capture mode must be durable or ephemeral, not '" + name + "'");
    }
}
