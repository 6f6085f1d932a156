package io.plank.systemtests;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain socket, for what library clients hide: it reads only when told to, so a client that
 * stops reading really does (java.net.http reads ahead into memory whatever the demand), with a small receive
 * buffer so the server's sends back up soon.
 */
final class RawSocketClient implements AutoCloseable {

    private static final int RECEIVE_BUFFER = 16 * 1024;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private long bytesRead;

    private RawSocketClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects and completes the opening handshake; fails unless the server answers 101. */
    static RawSocketClient connect(URI webSocket) throws IOException {
        var socket = new Socket();
        socket.setReceiveBufferSize(RECEIVE_BUFFER);
        socket.connect(new InetSocketAddress(webSocket.getHost(), webSocket.getPort()), 10_000);
        var client = new RawSocketClient(socket);
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String request = "GET " + webSocket.getRawPath() + (webSocket.getRawQuery() == null ? "" : "?" + webSocket.getRawQuery()) + " HTTP/1.1\r\n"
                + "Host: " + webSocket.getHost() + ":" + webSocket.getPort() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        client.out.write(request.getBytes(StandardCharsets.US_ASCII));
        client.out.flush();
        String status = client.readHeaders();
        if (!status.startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("Handshake refused: " + status);
        }
        return client;
    }

    /**
     * Sends a GET for an event stream and sends nothing more; reads nothing, not even the answer's headers (a
     * runtime may send them only with the first event). {@code uri} is an http URI.
     */
    static RawSocketClient requestEventStream(URI uri) throws IOException {
        var socket = new Socket();
        socket.setReceiveBufferSize(RECEIVE_BUFFER);
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
        var client = new RawSocketClient(socket);
        String request = "GET " + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()) + " HTTP/1.1\r\n"
                + "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
                + "Accept: text/event-stream\r\n\r\n";
        client.out.write(request.getBytes(StandardCharsets.US_ASCII));
        client.out.flush();
        return client;
    }

    /**
     * Reads whatever comes until the server ends the response: true if it ends the connection, or the chunked body
     * (its last chunk, as a kept-alive HTTP/1.1 connection ends a response), within {@code timeout}.
     */
    boolean readUntilEnd(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buffer = new byte[64 * 1024];
        String tail = "";
        try {
            while (System.nanoTime() < deadline) {
                int read = in.read(buffer);
                if (read < 0) {
                    return true;
                }
                bytesRead += read;
                tail = tail + new String(buffer, Math.max(0, read - 16), Math.min(read, 16), StandardCharsets.ISO_8859_1);
                tail = tail.substring(Math.max(0, tail.length() - 16));
                if (tail.endsWith("\r\n0\r\n\r\n")) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server
        }
    }

    /** Sends one text message, masked as clients must. */
    void sendText(String text) throws IOException {
        sendFrame(0x81, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a binary message, which Plank answers by closing with 1003. */
    void sendBinary(byte[] data) throws IOException {
        sendFrame(0x82, data);
    }

    /** Starts the closing handshake with 1000, as a client that leaves politely does. */
    void sendClose() throws IOException {
        sendFrame(0x88, new byte[] {0x03, (byte) 0xe8});
    }

    private void sendFrame(int finAndOpcode, byte[] payload) throws IOException {
        var frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(finAndOpcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65_536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        } else {
            throw new IllegalArgumentException("Plank takes messages up to 64 KiB");
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /**
     * Reads, skipping every data frame, until the server's close frame: its code, or "ended without a close frame",
     * or "open" if nothing ends it within {@code timeout}.
     */
    String readUntilClosed(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                int opcode = in.readUnsignedByte() & 0x0f;
                long length = in.readUnsignedByte() & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                if (opcode == 0x8) {
                    return length >= 2 ? Integer.toString(in.readUnsignedShort()) : "closed without a code";
                }
                in.skipNBytes(length);
                bytesRead += length;
            }
            return "open";
        } catch (SocketTimeoutException e) {
            return "open";
        } catch (EOFException e) {
            return "ended without a close frame";
        }
    }

    long bytesRead() {
        return bytesRead;
    }

    private String readHeaders() throws IOException {
        var headers = new StringBuilder();
        InputStream raw = in;
        while (!headers.toString().endsWith("\r\n\r\n")) {
            int next = raw.read();
            if (next < 0) {
                throw new EOFException("Connection ended during the handshake: " + headers);
            }
            headers.append((char) next);
        }
        return headers.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
