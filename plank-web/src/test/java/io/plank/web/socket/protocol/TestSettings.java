package io.plank.web.socket.protocol;

/** Settings as a test needs them, without MicroProfile Config: the fields are the beans' own, set as the container would. */
public final class TestSettings {

    private TestSettings() {
    }

    /** Per-client queue limits and snapshot sizes; the rest at their defaults. */
    public static SocketSettings socket(int sendQueueLimit, long sendQueueChars, int snapshotMaxRows, int snapshotPageRows) {
        var settings = new SocketSettings();
        settings.sendQueueLimit = sendQueueLimit;
        settings.sendQueueChars = sendQueueChars;
        settings.snapshotMaxRows = snapshotMaxRows;
        settings.snapshotPageRows = snapshotPageRows;
        return settings;
    }
}
