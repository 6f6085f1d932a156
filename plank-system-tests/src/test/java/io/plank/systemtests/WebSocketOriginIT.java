package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.JavascriptExecutor;

/**
 * No other site can read the stream through its visitors' browsers: the WebSocket handshake is refused (403) for a
 * page whose origin is neither Plank's own nor listed in PLANK_CORS_ORIGINS; programs (no Origin) connect as before.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebSocketOriginIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Opens a WebSocket to arguments[0] and reports "open" or "refused" to Selenium's callback. */
    private static final String TRY_TO_CONNECT = """
            const done = arguments[arguments.length - 1];
            const socket = new WebSocket(arguments[0]);
            socket.onopen = () => { socket.close(); done('open'); };
            socket.onerror = () => done('refused');
            """;

    @Test
    void aPageOfAnotherOriginIsRefused(RunningPlank plank) throws Exception {
        assertEquals(403, handshakeStatus(plank, "http://evil.example"));
        assertEquals(403, handshakeStatus(plank, "null"));
        assertEquals(403, handshakeStatus(plank, "http://127.0.0.1:1"), "the same host on another port is another origin");

        var refused = Api.send(HttpRequest.newBuilder(plank.webSocketHttp()).header("Origin", "http://evil.example").GET());
        assertEquals(403, refused.statusCode());
        assertEquals(Api.PROBLEM_JSON, refused.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        assertTrue(JsonText.object(refused.body()).getString("detail").contains("plank.cors.origins"), refused.body());
    }

    @Test
    void plankOwnPagesAnAllowedOriginAndProgramsConnect(RunningPlank plank) throws Exception {
        assertEquals(101, handshakeStatus(plank, CorsIT.ALLOWED_ORIGIN));
        assertEquals(101, handshakeStatus(plank, plankOrigin(plank)), "Plank's own pages");
        try (var program = SocketClient.subscribedTo(plank, "items")) {
            assertTrue(!program.isClosed());
        }
    }

    @Test
    void aBrowserOnAnotherSiteCannotConnectWhilePlankOwnPageCan(RunningPlank plank) throws Exception {
        Browser.assumeInstalled();
        HttpServer otherSite = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        otherSite.createContext("/", exchange -> {
            byte[] page = "<!doctype html><title>another site</title><p>nothing here".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        otherSite.start();
        try (var browser = Browser.start()) {
            var script = (JavascriptExecutor) browser.driver();
            browser.driver().manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
            String webSocket = plank.webSocket("").toString();

            browser.driver().get(plank.baseUrl() + "/");
            assertEquals("open", script.executeAsyncScript(TRY_TO_CONNECT, webSocket), "from Plank's own page");

            browser.driver().get("http://127.0.0.1:" + otherSite.getAddress().getPort() + "/");
            assertEquals("refused", script.executeAsyncScript(TRY_TO_CONNECT, webSocket), "from another site");
        } finally {
            otherSite.stop(0);
        }
    }

    /** {@code http://host:port} of Plank's own pages. */
    private static String plankOrigin(RunningPlank plank) {
        var base = plank.baseUrl();
        return base.getScheme() + "://" + base.getHost() + ":" + base.getPort();
    }

    /** The handshake's answer to a page at {@code origin}: 101 if the connection opened, else the HTTP status. */
    private static int handshakeStatus(RunningPlank plank, String origin) throws Exception {
        try {
            WebSocket socket = HTTP.newWebSocketBuilder().header("Origin", origin)
                    .buildAsync(plank.webSocket(""), new WebSocket.Listener() { })
                    .get(20, TimeUnit.SECONDS);
            socket.abort();
            return 101;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }
}
