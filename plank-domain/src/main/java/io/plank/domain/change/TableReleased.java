package io.plank.domain.change;

/** A table is no longer captured: its subscribers will receive nothing more from it. {@code table} as frames name it. */
public record TableReleased(String table) {
}
