package io.plank.health;

/** Where the listener's connection is in its life. Only {@link #LISTENING} means changes are flowing. */
public enum ListenerState {
    STARTING, LISTENING, RECONNECTING, STOPPED
}
