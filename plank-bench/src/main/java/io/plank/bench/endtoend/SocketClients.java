package io.plank.bench.endtoend;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;

/**
 * N WebSocket clients, each subscribed to {@code items}, recording when each change of the current run reaches it.
 *
 * <p>Netty rather than {@code java.net.http}: the JDK client runs every connection's I/O on one selector thread and
 * hands each message over as a decoded {@code CharSequence} with a {@code CompletableFuture} per message; here two
 * event loops read all connections and a frame is only scanned as bytes for the writer's tag ({@code "name":"b<run>-<k>"}),
 * never decoded, so the generator's own ceiling stays well above what a server on the same two cores can send.
 */
final class SocketClients implements AutoCloseable {

    static final byte[] NAME = "\"name\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUBSCRIBED = "\"type\":\"subscribed\"".getBytes(StandardCharsets.US_ASCII);
    private static final String SUBSCRIBE = "{\"type\":\"subscribe\",\"table\":\"items\"}";

    private final EventLoopGroup loops;
    private final List<Client> clients = new ArrayList<>();

    /** The run whose tags count; frames of other runs (a backlog draining) are counted as stale. */
    private volatile Run run;

    SocketClients(int threads) {
        this.loops = Transport.group(threads);
    }

    /** Opens {@code count} more connections to {@code uri}, {@code batch} handshakes at a time, and waits until all are subscribed. */
    void open(URI uri, int count, int batch, boolean stalled, Duration timeout) throws InterruptedException {
        for (int done = 0; done < count; done += batch) {
            int n = Math.min(batch, count - done);
            var subscribed = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                var client = new Client(clients.size(), subscribed);
                clients.add(client);
                connect(uri, client, stalled);
            }
            if (!subscribed.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                Throwable cause = clients.stream().map(c -> c.failure).filter(java.util.Objects::nonNull).findFirst().orElse(null);
                throw new IllegalStateException((subscribed.getCount()) + " of " + n + " clients not subscribed to " + uri
                        + " within " + timeout.toSeconds() + " s (opened " + (clients.size() - n) + " before)", cause);
            }
        }
    }

    private void connect(URI uri, Client client, boolean stalled) {
        var bootstrap = bootstrap(loops, uri, () -> client);
        if (stalled) {
            // A client that stops reading: its kernel buffer fills after a few frames, then the server's outbox does.
            bootstrap.option(ChannelOption.SO_RCVBUF, 4096);
        }
        client.stalled = stalled;
        bootstrap.connect(uri.getHost(), uri.getPort()).addListener(f -> {
            if (!f.isSuccess()) {
                client.failure = f.cause();
            }
        });
    }

    /** A WebSocket connection to {@code uri} whose messages (whole, text or binary) reach the handler {@code last} makes. */
    static Bootstrap bootstrap(EventLoopGroup loops, URI uri, Supplier<ChannelHandler> last) {
        return bootstrap(loops, uri, 10_000, last); // Netty's default handshake timeout
    }

    static Bootstrap bootstrap(EventLoopGroup loops, URI uri, long handshakeTimeoutMillis, Supplier<ChannelHandler> last) {
        var config = WebSocketClientProtocolConfig.newBuilder().webSocketUri(uri).handleCloseFrames(false)
                .maxFramePayloadLength(1 << 24).handshakeTimeoutMillis(handshakeTimeoutMillis).build();
        return new Bootstrap().group(loops).channel(Transport.socket())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                                new WebSocketClientProtocolHandler(config), new WebSocketFrameAggregator(1 << 24), last.get());
                    }
                });
    }

    int size() {
        return clients.size();
    }

    /** Starts recording a run: from now on frames tagged {@code id} are recorded against {@code expected} changes. */
    Run start(int id, int expected) {
        var started = new Run(id, expected, clients.size());
        run = started;
        return started;
    }

    /** How many connections the server closed, and the close codes seen, e.g. "1013x1". */
    String closes() {
        var codes = new java.util.TreeMap<Integer, Integer>();
        clients.forEach(c -> {
            if (c.closeCode != 0) {
                codes.merge(c.closeCode, 1, Integer::sum);
            }
        });
        return codes.isEmpty() ? "-" : codes.entrySet().stream().map(e -> e.getKey() + "x" + e.getValue())
                .reduce((a, b) -> a + " " + b).orElse("-");
    }

    /** Lets stalled clients read again, so they see what the server did meanwhile (a 1013 close, say). */
    void resumeStalled() {
        clients.stream().filter(c -> c.stalled && c.channel != null).forEach(c -> c.channel.config().setAutoRead(true));
    }

    List<Client> clients() {
        return clients;
    }

    @Override
    public void close() {
        clients.forEach(c -> {
            if (c.channel != null) {
                c.channel.close();
            }
        });
        clients.forEach(c -> {
            if (c.channel != null) {
                c.channel.closeFuture().awaitUninterruptibly(2000);
            }
        });
        clients.clear();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Receipt times of one run: {@code received[client][k]}, 0 where not (yet) received. */
    static final class Run {
        final int id;
        final long[][] received;
        final AtomicInteger stale = new AtomicInteger();
        final java.util.concurrent.atomic.LongAdder count = new java.util.concurrent.atomic.LongAdder();
        volatile long lastReceipt;

        Run(int id, int expected, int clients) {
            this.id = id;
            this.received = new long[clients][expected];
        }
    }

    final class Client extends SimpleChannelInboundHandler<WebSocketFrame> {
        final int index;
        private final CountDownLatch subscribed;
        volatile Channel channel;
        volatile boolean stalled;
        volatile int closeCode;
        volatile Throwable failure;
        private boolean ready;

        Client(int index, CountDownLatch subscribed) {
            this.index = index;
            this.subscribed = subscribed;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            channel = ctx.channel();
            super.channelActive(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                ctx.writeAndFlush(new TextWebSocketFrame(SUBSCRIBE));
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame || frame instanceof io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame) {
                long now = System.nanoTime();
                ByteBuf content = frame.content();
                if (!ready) {
                    byte[] bytes = new byte[content.readableBytes()];
                    content.getBytes(content.readerIndex(), bytes);
                    if (indexOf(bytes, SUBSCRIBED, 0) >= 0) {
                        ready = true;
                        subscribed.countDown();
                        if (stalled) {
                            ctx.channel().config().setAutoRead(false);
                        }
                    }
                    return;
                }
                byte[] bytes = new byte[content.readableBytes()];
                content.getBytes(content.readerIndex(), bytes);
                record(bytes, now);
            } else if (frame instanceof CloseWebSocketFrame close) {
                closeCode = close.statusCode();
                ctx.close();
            }
        }

        /** Finds every tag in the message: one per frame, or several when a server coalesces changes into one message. */
        private void record(byte[] content, long now) {
            Run current = run;
            int from = 0;
            int end = content.length;
            while (true) {
                int at = indexOf(content, NAME, from);
                if (at < 0) {
                    return;
                }
                Tag tag = Tag.at(content, at, end);
                long runId = tag.run();
                int k = tag.k();
                if (current != null && runId == current.id && index < current.received.length
                        && k < current.received[index].length) {
                    if (current.received[index][k] == 0) {
                        current.received[index][k] = now;
                        current.count.increment();
                        current.lastReceipt = now;
                    }
                } else if (current != null) {
                    current.stale.incrementAndGet();
                }
                from = tag.end();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure = cause;
            ctx.close();
        }
    }

    /** The writer's tag {@code b<run>-<k>} in the {@code "name":} at {@code at}, and where it ends. */
    record Tag(long run, int k, int end) {

        static Tag at(byte[] content, int at, int end) {
            int i = at + NAME.length;
            // PostgreSQL's jsonb text puts a space after the colon; the relay does not.
            while (i < end && (content[i] == ' ' || content[i] == '"' || content[i] == 'b')) {
                i++;
            }
            long run = 0;
            byte b;
            while (i < end && (b = content[i]) != '-') {
                run = run * 10 + (b - '0');
                i++;
            }
            i++;
            int k = 0;
            while (i < end && (b = content[i]) >= '0' && b <= '9') {
                k = k * 10 + (b - '0');
                i++;
            }
            return new Tag(run, k, i);
        }
    }

    static int indexOf(byte[] buf, byte[] pattern, int from) {
        int last = buf.length - pattern.length;
        outer:
        for (int i = from; i <= last; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (buf[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
