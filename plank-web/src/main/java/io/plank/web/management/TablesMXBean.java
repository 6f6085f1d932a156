package io.plank.web.management;

import java.beans.ConstructorProperties;

/**
 * {@code io.plank:type=Tables}: the captured tables with their traffic, and the changes received for all of them; capture
 * and release. Names as in {@code /api/status} ({@code changes_received}, {@code tables}), in CamelCase.
 */
public interface TablesMXBean {

    long getChangesReceived();

    Table[] getTables();

    /** Captures {@code table} ({@code schema.table} or a bare name for public) in {@code mode} (durable or ephemeral). */
    String capture(String table, String mode);

    /** Stops capturing {@code table}; its subscriptions end. */
    void release(String table);

    /** One captured table, as JMX clients show it (a composite of these items). */
    final class Table {

        private final String name;
        private final String mode;
        private final int subscribers;
        private final long changes;
        private final long framesQueued;
        private final double changesPerSecond;
        private final DeliveryLatency deliveryLatencyMs;

        @ConstructorProperties({"name", "mode", "subscribers", "changes", "framesQueued", "changesPerSecond", "deliveryLatencyMs"})
        public Table(String name, String mode, int subscribers, long changes, long framesQueued, double changesPerSecond,
                     DeliveryLatency deliveryLatencyMs) {
            this.name = name;
            this.mode = mode;
            this.subscribers = subscribers;
            this.changes = changes;
            this.framesQueued = framesQueued;
            this.changesPerSecond = changesPerSecond;
            this.deliveryLatencyMs = deliveryLatencyMs;
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

        public long getFramesQueued() {
            return framesQueued;
        }

        /** Over the window of {@link #getDeliveryLatencyMs()} (30 s). */
        public double getChangesPerSecond() {
            return changesPerSecond;
        }

        public DeliveryLatency getDeliveryLatencyMs() {
            return deliveryLatencyMs;
        }
    }

    /** Over the last {@code windowS} seconds: frames delivered and their latency in milliseconds (0 when none). */
    final class DeliveryLatency {

        private final long windowS;
        private final long frames;
        private final double p50;
        private final double p99;
        private final double max;

        @ConstructorProperties({"windowS", "frames", "p50", "p99", "max"})
        public DeliveryLatency(long windowS, long frames, double p50, double p99, double max) {
            this.windowS = windowS;
            this.frames = frames;
            this.p50 = p50;
            this.p99 = p99;
            this.max = max;
        }

        public long getWindowS() {
            return windowS;
        }

        public long getFrames() {
            return frames;
        }

        public double getP50() {
            return p50;
        }

        public double getP99() {
            return p99;
        }

        public double getMax() {
            return max;
        }
    }
}
