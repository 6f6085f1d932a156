package io.plank.bench.endtoend;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/**
 * The trivial server that measures the load generator itself: it answers a subscribe and then sends every client a
 * pre-built change frame of Plank's size and shape for each write, from two event loops (one task per loop per
 * change, the frame's bytes shared by every connection, writes flushed once per loop turn). It does no JSON, no
 * database and no per-client work.
 */
final class FrameRelay implements ChangeSource, AutoCloseable {

    private static final String SUBSCRIBED = "{\"type\":\"subscribed\",\"table\":\"items\",\"seq\":0}";

    private final EventLoopGroup boss = Transport.group(1);
    private final EventLoopGroup loops;
    private final Map<EventLoop, List<Channel>> byLoop = new ConcurrentHashMap<>();
    private final Channel server;

    FrameRelay(int threads) throws InterruptedException {
        loops = Transport.group(threads);
        server = new ServerBootstrap().group(boss, loops).channel(Transport.server())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/plank/ws"), new Subscribe());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    URI webSocketUrl() {
        return URI.create("ws://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/plank/ws");
    }

    /** Sends change {@code k} of run {@code run} to every subscribed client and returns when it was handed over. */
    @Override
    public long write(int run, int k) {
        String frame = "{\"type\":\"change\",\"seq\":" + (1_000_000 + k) + ",\"tx\":" + (2_000_000 + k)
                + ",\"tx_last\":true,\"table\":\"items\",\"action\":\"INSERT\",\"id\":"
                + (1_000_000 + k) + ",\"data\":{\"id\":" + (1_000_000 + k) + ",\"name\":\"b" + run + "-" + k
                + "\",\"value\":1,\"version\":0,\"created_at\":\"2026-11-25T15:00:00.123456+00:00\","
                + "\"updated_at\":\"2026-11-25T15:00:00.123456+00:00\"},\"at\":\"2026-11-25T15:00:00.123456Z\"}";
        ByteBuf bytes = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(frame.getBytes(StandardCharsets.UTF_8)));
        long at = System.nanoTime();
        byLoop.forEach((loop, channels) -> loop.execute(() -> {
            for (Channel channel : channels) {
                if (channel.isActive()) {
                    channel.write(new TextWebSocketFrame(bytes.duplicate()), channel.voidPromise());
                }
            }
            // One flush per loop after the changes already queued to it: still one WebSocket message per change and
            // client, but under load several go out in one write(2), so the relay costs less than the clients.
            if (flushPending.add(loop)) {
                loop.execute(() -> {
                    flushPending.remove(loop);
                    channels.forEach(Channel::flush);
                });
            }
        }));
        return at;
    }

    private final java.util.Set<EventLoop> flushPending = ConcurrentHashMap.newKeySet();

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private final class Subscribe extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            if (frame.text().contains("\"subscribe\"")) {
                byLoop.computeIfAbsent(ctx.channel().eventLoop(), loop -> new CopyOnWriteArrayList<>()).add(ctx.channel());
                ctx.writeAndFlush(new TextWebSocketFrame(SUBSCRIBED));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a client gone mid-write: nothing to report
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            List<Channel> channels = byLoop.get(ctx.channel().eventLoop());
            if (channels != null) {
                channels.remove(ctx.channel());
            }
            super.channelInactive(ctx);
        }
    }
}
