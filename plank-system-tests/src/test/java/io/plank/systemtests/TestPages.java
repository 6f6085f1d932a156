package io.plank.systemtests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An application's own pages, served from this JVM at an origin of their own that the servers under test allow
 * ({@code PLANK_CORS_ORIGINS}): {@code /plank.esm.js} (plank-js as built) and {@code /persisted-view.html}, a page with
 * a persisted view ({@link PersistedViewIT}). Started on first use, for the whole run.
 */
final class TestPages {

    private static HttpServer server;

    private TestPages() {
    }

    /** {@code http://127.0.0.1:PORT}, serving from now on. */
    static synchronized String origin() {
        if (server == null) {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            } catch (IOException e) {
                throw new AssertionError("Could not serve the test pages", e);
            }
            server.createContext("/plank.esm.js", exchange -> send(exchange, "text/javascript",
                    Files.readAllBytes(Path.of(System.getProperty("plank.js.dir"), "dist", "plank.esm.js"))));
            server.createContext("/persisted-view.html", exchange -> send(exchange, "text/html",
                    PERSISTED_VIEW.getBytes(StandardCharsets.UTF_8)));
            server.start();
        }
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void send(HttpExchange exchange, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, body.length);
        try (var out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * A view of {@code ?table=} persisted as {@code e2e}, connected to {@code ?ws=}; {@code window.plankLog} records, in
     * order, the view's notifications, the connection's states, every frame received and every message sent.
     */
    private static final String PERSISTED_VIEW = """
            <!doctype html>
            <meta charset="utf-8">
            <title>A persisted view</title>
            <ul id="rows"></ul>
            <script type="module">
              import { connect } from '/plank.esm.js';
              const params = new URLSearchParams(location.search);
              const log = window.plankLog = [];
              class RecordingSocket extends WebSocket {
                send(data) { log.push({ sent: JSON.parse(data) }); super.send(data); }
              }
              const plank = connect(params.get('ws'), { WebSocket: RecordingSocket });
              plank.on('state', (event) => log.push({ state: event.state }));
              plank.on('frame', (frame) => log.push({ frame: frame.type }));
              const view = plank.view(params.get('table'), { persist: 'e2e' });
              view.on('change', ({ rows, cause }) => {
                log.push({ cause, size: rows.length });
                document.getElementById('rows').replaceChildren(...rows.map((row) => {
                  const item = document.createElement('li');
                  item.textContent = JSON.stringify(row);
                  return item;
                }));
              });
              window.plankView = view;
            </script>
            """;
}
