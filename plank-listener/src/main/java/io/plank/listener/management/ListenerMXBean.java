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

    /** How durable tables are captured: trigger, or logical (decoding the replication slot); unknown before the database was reached. */
    String getCaptureMethod();

    /** Why {@code plank.capture.method=auto} captures by trigger (what logical decoding lacks); null when it does not. */
    String getCaptureFallback();

    /** The decoder's state (decoding; standby while another instance holds the slot; reconnecting), or null under trigger. */
    String getDecoderState();

    /** The decoder's replication slot, or null under trigger. */
    String getSlot();

    /**
     * Bytes of WAL the slot holds back from recycling (the server's WAL position less the slot's confirmed position),
     * checked every ten seconds while the decoder is idle; -1 when unknown. Bounded only by max_slot_wal_keep_size.
     */
    long getSlotLagBytes();

    /** pg_replication_slots.wal_status: reserved, extended, unreserved, or lost (the slot is recreated and clients reset). */
    String getSlotWalStatus();

    /** Drops the connection; the listener reconnects at once and catches up on the log. */
    void reconnect();
}
