package io.plank.domain.change;

import java.util.Objects;

/**
 * One committed row change, fired as a CDI event by the listener and observed by whoever pushes it on.
 *
 * <p>{@code frame} is the complete wire message ({@code {"type":"change",...}}) as JSON text. It is
 * built once, where the change enters Plank, so fan-out to any number of clients sends the same
 * string and never serialises again. {@code key} is the primary key as JSON text (a number, a
 * string, or an object for composite keys).
 */
public record ChangeEvent(String table, Action action, String key, boolean truncated, String frame) {

    public ChangeEvent {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(frame, "frame");
    }
}
