package io.plank.web.socket.protocol;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The WebSocket side's limits, from MicroProfile Config; docs/CONFIGURATION.md lists each with its default. Read
 * through the methods: other beans hold a client proxy, whose own fields are never set.
 */
@ApplicationScoped
public class SocketSettings {

    /** Without plank.ws.total-queue-chars, every client together may hold this share of the maximum heap. */
    static final int DEFAULT_TOTAL_SHARE_OF_HEAP = 4;

    @Inject
    @ConfigProperty(name = "plank.ws.send-queue-limit", defaultValue = "1000")
    int sendQueueLimit;

    @Inject
    @ConfigProperty(name = "plank.ws.send-queue-chars", defaultValue = "16777216")
    long sendQueueChars;

    @Inject
    @ConfigProperty(name = "plank.ws.total-queue-chars")
    Optional<Long> totalQueueChars;

    @Inject
    @ConfigProperty(name = "plank.ws.stall-timeout-ms", defaultValue = "30000")
    long stallTimeoutMs;

    @Inject
    @ConfigProperty(name = "plank.ws.max-subscriptions", defaultValue = "100")
    int maxSubscriptions;

    @Inject
    @ConfigProperty(name = "plank.ws.max-message-bytes", defaultValue = "65536")
    int maxMessageBytes;

    /** 0: no limit. */
    @Inject
    @ConfigProperty(name = "plank.ws.max-messages-per-second", defaultValue = "100")
    int maxMessagesPerSecond;

    @Inject
    @ConfigProperty(name = "plank.snapshot.max-rows", defaultValue = "10000")
    int snapshotMaxRows;

    @Inject
    @ConfigProperty(name = "plank.snapshot.page-rows", defaultValue = "500")
    int snapshotPageRows;

    @Inject
    @ConfigProperty(name = "plank.catchup.readers", defaultValue = "4")
    int catchUpReaders;

    /** Threads that start clients' sending; by default one per processor. */
    @Inject
    @ConfigProperty(name = "plank.ws.senders")
    Optional<Integer> senders;

    public int sendQueueLimit() {
        return sendQueueLimit;
    }

    public long sendQueueChars() {
        return sendQueueChars;
    }

    public long stallTimeoutMs() {
        return stallTimeoutMs;
    }

    public int maxSubscriptions() {
        return maxSubscriptions;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public int maxMessagesPerSecond() {
        return maxMessagesPerSecond;
    }

    public int snapshotMaxRows() {
        return snapshotMaxRows;
    }

    public int snapshotPageRows() {
        return snapshotPageRows;
    }

    public int catchUpReaders() {
        return catchUpReaders;
    }

    public int senders() {
        return Math.max(1, senders.orElse(Runtime.getRuntime().availableProcessors()));
    }

    public long totalQueueChars() {
        return totalQueueChars.orElse(Runtime.getRuntime().maxMemory() / DEFAULT_TOTAL_SHARE_OF_HEAP);
    }
}
