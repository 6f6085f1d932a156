package io.plank.web.management;

import java.beans.ConstructorProperties;

/** {@code io.plank:type=Tables}: the captured tables with their traffic; capture and release. */
public interface TablesMXBean {

    Table[] getTables();

    /** Captures {@code table} ({@code schema.table} or a bare name for public) in {@code mode} (durable or ephemeral). */
    String capture(String table, String mode);

    /** Stops capturing {@code table}; its subscriptions end. */
    void release(String table);

    /** One captured table, as JMX clients show it (a composite of these attributes). */
    final class Table {

        private final String name;
        private final String mode;
        private final int subscribers;
        private final long changes;
        private final double changesPerSecond;
        private final double latencyP50Ms;
        private final double latencyP99Ms;

        @ConstructorProperties({"name", "mode", "subscribers", "changes", "changesPerSecond", "latencyP50Ms", "latencyP99Ms"})
        public Table(String name, String mode, int subscribers, long changes, double changesPerSecond, double latencyP50Ms, double latencyP99Ms) {
            this.name = name;
            this.mode = mode;
            this.subscribers = subscribers;
            this.changes = changes;
            this.changesPerSecond = changesPerSecond;
            this.latencyP50Ms = latencyP50Ms;
            this.latencyP99Ms = latencyP99Ms;
        }

        public String getName() {
            return name;
        }

        public String getMode() {
            return mode;
        }

        public int getSubscribers() {
            return subscribers;
        }

        public long getChanges() {
            return changes;
        }

        /** Over the status resource's window (30 s). */
        public double getChangesPerSecond() {
            return changesPerSecond;
        }

        public double getLatencyP50Ms() {
            return latencyP50Ms;
        }

        public double getLatencyP99Ms() {
            return latencyP99Ms;
        }
    }
}
