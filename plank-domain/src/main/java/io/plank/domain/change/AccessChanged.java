package io.plank.domain.change;

/**
 * The stored grants or row bindings changed (or may have: the listener reconnected). Fired by the listener before it
 * hands on any change committed after the new rules, so that open streams are held to them from that change on.
 */
public record AccessChanged() {
}
