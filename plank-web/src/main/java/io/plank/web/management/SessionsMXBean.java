package io.plank.web.management;

import java.beans.ConstructorProperties;

/**
 * {@code io.plank:type=Sessions}: the figures of {@code /api/status}'s {@code sessions} in CamelCase, and the open
 * connections with their subscriptions and backlog (as {@code /api/sessions}); disconnect one.
 */
public interface SessionsMXBean {

    int getOpen();

    long getMessagesDelivered();

    long getClosedTooSlow();

    long getFellBehind();

    long getRefusedAdmission();

    long getBacklogChars();

    long getBacklogLimitChars();

    Session[] getSessions();

    /** Closes the connection {@code id} (a WebSocket with 1008); false if there is none. */
    boolean disconnect(String id);

    /** One connection, as JMX clients show it. */
    final class Session {

        private final String id;
        private final String transport;
        private final String openedAt;
        private final String[] subscriptions;
        private final int queued;
        private final long backlogChars;
        private final long waitingMs;

        @ConstructorProperties({"id", "transport", "openedAt", "subscriptions", "queued", "backlogChars", "waitingMs"})
        public Session(String id, String transport, String openedAt, String[] subscriptions, int queued, long backlogChars, long waitingMs) {
            this.id = id;
            this.transport = transport;
            this.openedAt = openedAt;
            this.subscriptions = subscriptions.clone();
            this.queued = queued;
            this.backlogChars = backlogChars;
            this.waitingMs = waitingMs;
        }

        public String getId() {
            return id;
        }

        /** {@code websocket} or {@code event-stream}. */
        public String getTransport() {
            return transport;
        }

        public String getOpenedAt() {
            return openedAt;
        }

        /** Each as {@code table [sub] ?filter (live|catching up, seq N)}. */
        public String[] getSubscriptions() {
            return subscriptions.clone();
        }

        public int getQueued() {
            return queued;
        }

        public long getBacklogChars() {
            return backlogChars;
        }

        public long getWaitingMs() {
            return waitingMs;
        }
    }
}
