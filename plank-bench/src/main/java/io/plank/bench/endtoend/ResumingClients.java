package io.plank.bench.endtoend;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * The reconnect storm's clients: each subscribed to {@code items}, keeping the seq of the last change it read and when
 * it read each change of the storm's writer; dropped all at once ({@link #dropAll}), they reconnect all at once
 * ({@link #reconnectAll}) and resume with {@code since} that seq, as PROTOCOL.md asks of a client. An attempt that ends
 * before its {@code subscribed} answer is refused; the client tries again after plank.js's default backoff (a random
 * delay in [d/2, d], d = 500 ms doubling per attempt up to 30 s, reset once subscribed), as do connections that end
 * after it. Connecting and the handshake are each given 15 s, plank.js's connect timeout.
 *
 * <p>Each connection's messages are scanned as bytes, as {@link SocketClients} does, never decoded: a message is one
 * frame or, with {@code ?batch=true}, an array of them, each starting at its {@code "type":"..."}.
 */
final class ResumingClients implements AutoCloseable {

    private static final byte[] TYPE = "\"type\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHANGE = "change\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUBSCRIBED = "subscribed\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESET = "reset\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "error\"".getBytes(StandardCharsets.US_ASCII);

    /** plank.js's connectTimeoutMs, given here to the TCP connect and to the handshake each. */
    private static final long OPENING_TIMEOUT_MILLIS = 15_000;

    /** Where the storm stands: what a connection's end means depends on it. */
    enum Phase { LIVE, DROPPING, RECONNECTING, CLOSING }

    private final EventLoopGroup loops;
    private final int run;
    private final int capacity;
    private final List<Client> clients = new ArrayList<>();
    private final AtomicInteger subscribedOnce = new AtomicInteger();
    private volatile Phase phase = Phase.LIVE;

    /** Attempts after the drop that ended before their {@code subscribed}, by why; connections that ended after it, by why. */
    final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
    final Map<String, LongAdder> endedAfterSubscribing = new ConcurrentHashMap<>();
    /** Error frames and connections that ended before the drop, by what they said: none expected. */
    final Map<String, LongAdder> unexpected = new ConcurrentHashMap<>();

    /** Clients recording the tags of writer run {@code run}, changes 0 to {@code capacity - 1}. */
    ResumingClients(int threads, int run, int capacity) {
        this.loops = Transport.group(threads);
        this.run = run;
        this.capacity = capacity;
    }

    /**
     * Opens one client per URI of {@code uris} (in that order: client i connects to {@code uris.get(i)}), {@code batch}
     * handshakes at a time, each subscribing live, and waits until all are subscribed.
     */
    void open(List<URI> uris, int batch, long timeoutNanos) {
        for (int done = 0; done < uris.size(); done += batch) {
            int n = Math.min(batch, uris.size() - done);
            for (int i = done; i < done + n; i++) {
                var client = new Client(i, uris.get(i));
                clients.add(client);
                connect(client);
            }
            long deadline = System.nanoTime() + timeoutNanos;
            while (subscribedOnce.get() < done + n) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException((done + n - subscribedOnce.get()) + " of " + uris.size()
                            + " clients not subscribed within " + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s: " + unexpected);
                }
                LockSupport.parkNanos(10_000_000L);
            }
        }
    }

    List<Client> clients() {
        return clients;
    }

    /**
     * Ends every connection at once with a TCP reset (SO_LINGER 0, no close frame), as a load balancer's reload or a
     * lost network does, and waits until all are closed.
     */
    void dropAll() {
        phase = Phase.DROPPING;
        for (Client client : clients) {
            Channel channel = client.channel;
            if (channel != null) {
                // Netty reports a channel inactive after its close future completes, maybe once the storm is
                // reconnecting: that end must not count, nor start a second connection for the client.
                client.connection.dropped = true;
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
                channel.close();
            }
        }
        clients.forEach(c -> {
            Channel channel = c.channel;
            if (channel != null) {
                channel.closeFuture().awaitUninterruptibly(5000);
            }
        });
    }

    /** Every client connects again at once, each to resume with {@code since} the seq of the last change it read. */
    void reconnectAll() {
        phase = Phase.RECONNECTING;
        clients.forEach(this::connect);
    }

    private void connect(Client client) {
        var connection = new Connection(client);
        if (phase == Phase.RECONNECTING) {
            client.attempts++;
        }
        SocketClients.bootstrap(loops, client.uri, OPENING_TIMEOUT_MILLIS, () -> connection)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) OPENING_TIMEOUT_MILLIS)
                .connect(client.uri.getHost(), client.uri.getPort())
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        connection.ended(describe(f.cause()));
                    }
                });
    }

    @Override
    public void close() {
        phase = Phase.CLOSING;
        clients.forEach(c -> {
            if (c.channel != null) {
                c.channel.close();
            }
        });
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage() == null ? "" : ": " + failure.getMessage()
                .replaceAll("/?(127\\.0\\.0\\.1|localhost)(/127\\.0\\.0\\.1)?:\\d+", "").replaceAll("\\s+", " ");
        return failure.getClass().getSimpleName() + (message.length() > 90 ? message.substring(0, 90) + "..." : message);
    }

    private static void count(Map<String, LongAdder> counts, String key) {
        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** One client: what it read across all its connections. */
    final class Client {
        final int index;
        final URI uri;
        /** When it read change k of the run ({@link System#nanoTime()}), 0 if not (yet). */
        final long[] received = new long[capacity];
        volatile Channel channel;
        private volatile Connection connection;
        /** The resume point: the seq of the last change read, or of the first subscribed answer before any change. */
        volatile long lastSeq = -1;
        /** The latest subscribed answer, and the first one after the drop (0: none yet). */
        volatile long subscribedAt;
        volatile long resubscribedAt;
        /** Set by the storm once the client holds the newest change at the drop and a change written after it resubscribed. */
        volatile long caughtUpAt;
        /** When it last read a message, whatever it held. */
        volatile long lastReadAt;
        volatile int attempts;
        volatile int repeatedChanges;
        volatile int seqNotAscending;
        volatile int resets;
        private int backoff;

        Client(int index, URI uri) {
            this.index = index;
            this.uri = uri;
        }

        /** Of changes 0 to {@code written - 1}: those missing before the last one read (a gap), and those after it. */
        int[] missing(int written) {
            int last = -1;
            for (int k = written - 1; k >= 0; k--) {
                if (received[k] != 0) {
                    last = k;
                    break;
                }
            }
            int gaps = 0;
            for (int k = 0; k < last; k++) {
                if (received[k] == 0) {
                    gaps++;
                }
            }
            return new int[] {gaps, written - 1 - last};
        }
    }

    /** One connection attempt of a client, from connect to its end, reported once. */
    private final class Connection extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final Client client;
        private boolean subscribed;
        private boolean ended;
        private int closeCode;
        volatile boolean dropped;

        Connection(Client client) {
            this.client = client;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            client.channel = ctx.channel();
            client.connection = this;
            super.channelActive(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                long since = client.lastSeq;
                ctx.writeAndFlush(new TextWebSocketFrame(since < 0 ? "{\"type\":\"subscribe\",\"table\":\"items\"}"
                        : "{\"type\":\"subscribe\",\"table\":\"items\",\"since\":" + since + "}"));
            } else if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                ended("handshake timeout");
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
                long now = System.nanoTime();
                ByteBuf content = frame.content();
                byte[] bytes = new byte[content.readableBytes()];
                content.getBytes(content.readerIndex(), bytes);
                read(bytes, now);
            } else if (frame instanceof CloseWebSocketFrame close) {
                closeCode = close.statusCode();
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ended(describe(cause));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            ended(closeCode != 0 ? "close " + closeCode : "ended without a close frame");
            super.channelInactive(ctx);
        }

        /** Counts why the attempt or connection ended (once) and, unless the storm itself ended it, tries again. */
        void ended(String why) {
            if (ended) {
                return;
            }
            ended = true;
            Phase now = phase;
            if (dropped || now == Phase.DROPPING || now == Phase.CLOSING) {
                return;
            }
            if (now == Phase.LIVE) {
                count(unexpected, "before the drop: " + why);
            } else {
                count(subscribed ? endedAfterSubscribing : refused, why);
            }
            long ceiling = Math.min(30_000, 500L << Math.min(client.backoff++, 16));
            long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
            loops.schedule(() -> {
                if (phase == Phase.LIVE || phase == Phase.RECONNECTING) {
                    connect(client);
                }
            }, delay, TimeUnit.MILLISECONDS);
        }

        /** Each frame of the message, from its {@code "type":"} to the next one. */
        private void read(byte[] message, long now) {
            client.lastReadAt = now;
            int at = SocketClients.indexOf(message, TYPE, 0);
            while (at >= 0) {
                int next = SocketClients.indexOf(message, TYPE, at + TYPE.length);
                int end = next < 0 ? message.length : next;
                int type = at + TYPE.length;
                if (startsWith(message, type, CHANGE)) {
                    change(message, at, end, now);
                } else if (startsWith(message, type, SUBSCRIBED)) {
                    subscribed(number(message, at, end, SEQ), now);
                } else if (startsWith(message, type, RESET)) {
                    client.resets++;
                } else if (startsWith(message, type, ERROR)) {
                    count(unexpected, new String(message, at, Math.min(end - at, 120), StandardCharsets.UTF_8));
                }
                at = next;
            }
        }

        private void subscribed(long seq, long now) {
            subscribed = true;
            client.backoff = 0;
            client.subscribedAt = now;
            if (client.lastSeq < 0) {
                client.lastSeq = seq;
                subscribedOnce.incrementAndGet();
            }
            if (phase == Phase.RECONNECTING && client.resubscribedAt == 0) {
                client.resubscribedAt = now;
            }
        }

        private void change(byte[] message, int from, int end, long now) {
            long seq = number(message, from, end, SEQ);
            if (seq >= 0) {
                if (seq <= client.lastSeq) {
                    client.seqNotAscending++;
                } else {
                    client.lastSeq = seq;
                }
            }
            int name = SocketClients.indexOf(message, SocketClients.NAME, from);
            if (name < 0 || name >= end) {
                return; // a TRUNCATE names no row
            }
            var tag = SocketClients.Tag.at(message, name, end);
            int k = tag.k();
            if (tag.run() == run && k < capacity) {
                if (client.received[k] != 0) {
                    client.repeatedChanges++;
                } else {
                    client.received[k] = now;
                }
            }
        }
    }

    private static boolean startsWith(byte[] message, int at, byte[] prefix) {
        if (at + prefix.length > message.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (message[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The whole number right after {@code key} within [from, end), or -1. */
    private static long number(byte[] message, int from, int end, byte[] key) {
        int at = SocketClients.indexOf(message, key, from);
        if (at < 0 || at >= end) {
            return -1;
        }
        int i = at + key.length;
        long value = -1;
        byte b;
        while (i < end && (b = message[i]) >= '0' && b <= '9') {
            value = (value < 0 ? 0 : value * 10) + (b - '0');
            i++;
        }
        return value;
    }
}
