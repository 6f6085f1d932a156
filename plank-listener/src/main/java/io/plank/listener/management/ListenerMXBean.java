package io.plank.listener.management;

/** {@code io.plank:type=Listener}: the LISTEN connection's state, and "reconnect now". */
public interface ListenerMXBean {

    /** The name this instance's position in the change log is saved under. */
    String getInstance();

    /** The instances the database knows of, furthest first: {@code name seq saved-at}. */
    String[] getInstances();

    /** STARTING, LISTENING, RECONNECTING or STOPPED. */
    String getState();

    /** The last {@code seq} handed on to subscribers. */
    long getLastSeq();

    /** Changes logged and not yet handed on (behind an open transaction, say). */
    long getLag();

    long getReconnects();

    long getNotificationsReceived();

    /** ISO-8601, or null before the first. */
    String getLastNotificationAt();

    /** The last failure, or null. */
    String getLastError();

    /** Drops the connection; the listener reconnects at once and catches up on the log. */
    void reconnect();
}
