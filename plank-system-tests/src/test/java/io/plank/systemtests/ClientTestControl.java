package io.plank.systemtests;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonNumber;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * What the JavaScript end-to-end tests cannot do from Node, over HTTP on 127.0.0.1 for the length of one test file:
 *
 * <ul>
 * <li>{@code POST /sql} {@code {"sql":"...","params":[...]}}: one statement on a fresh connection to Plank's
 * database; answers {@code {"rows":[...],"updated":n}}, each row its first column (json and jsonb as JSON).
 * Concurrent requests run on connections of their own, so the tests' writers really are concurrent.</li>
 * <li>{@code POST /kill}: the server is killed (SIGKILL); {@code POST /start}: started again, answered once ready;
 * {@code POST /redeploy}: Plank undeployed and deployed again, answered once ready.</li>
 * <li>{@code POST /prune?through=N}: the change log pruned as the retention job would ({@link LoggedChanges#prune}).</li>
 * </ul>
 */
final class ClientTestControl implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ClientTestControl.class.getName());

    private final HttpServer server;
    private final ExecutorService threads;

    private ClientTestControl(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    static ClientTestControl start(RunningPlank plank) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService threads = Executors.newFixedThreadPool(32);
        server.setExecutor(threads);
        server.createContext("/sql", exchange -> answer(exchange, () -> sql(plank, read(exchange))));
        server.createContext("/kill", exchange -> answer(exchange, () -> {
            plank.kill();
            return "{}";
        }));
        server.createContext("/start", exchange -> answer(exchange, () -> {
            plank.startAgain();
            return "{}";
        }));
        server.createContext("/redeploy", exchange -> answer(exchange, () -> {
            plank.redeploy();
            return "{}";
        }));
        server.createContext("/prune", exchange -> answer(exchange, () -> {
            long through = Long.parseLong(exchange.getRequestURI().getQuery().replaceFirst("^through=", ""));
            try (var db = plank.connect()) {
                return Json.createObjectBuilder().add("pruned", LoggedChanges.prune(db, through)).build().toString();
            }
        }));
        server.createContext("/token", exchange -> answer(exchange, () -> token(read(exchange))));
        server.start();
        return new ClientTestControl(server, threads);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private interface Action {
        String run() throws Exception;
    }

    private static void answer(HttpExchange exchange, Action action) throws IOException {
        int status;
        String body;
        try {
            body = action.run();
            status = 200;
        } catch (Exception | AssertionError e) {
            LOG.log(Level.INFO, "Control request " + exchange.getRequestURI() + " failed", e);
            body = Json.createObjectBuilder().add("error", String.valueOf(e)).build().toString();
            status = 500;
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String read(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * A token signed by {@link TestTokens}, which the server trusts: {@code {"sub", "groups", "ttlSeconds", "audience"?}}
     * answered with {@code {"token"}}; another {@code audience} makes one the server refuses.
     */
    private static String token(String request) {
        var json = Json.createReader(new StringReader(request)).readObject();
        var groups = json.containsKey("groups") ? json.getJsonArray("groups").getValuesAs(JsonString::getString) : java.util.List.<String>of();
        var claims = TestTokens.claims(json.getString("sub"), groups, java.util.Map.of(),
                java.time.Duration.ofSeconds(json.getJsonNumber("ttlSeconds") == null ? 600 : json.getJsonNumber("ttlSeconds").longValue()));
        if (json.containsKey("audience")) {
            claims.audience(json.getString("audience"));
        }
        return Json.createObjectBuilder().add("token", TestTokens.sign(TestTokens.currentKey(), claims.build())).build().toString();
    }

    private static String sql(RunningPlank plank, String request) throws SQLException {
        var json = Json.createReader(new StringReader(request)).readObject();
        JsonArray params = json.containsKey("params") ? json.getJsonArray("params") : JsonValue.EMPTY_JSON_ARRAY;
        try (var db = plank.connect(); var statement = db.prepareStatement(json.getString("sql"))) {
            for (int i = 0; i < params.size(); i++) {
                JsonValue param = params.get(i);
                switch (param.getValueType()) {
                    case NUMBER -> statement.setObject(i + 1, ((JsonNumber) param).isIntegral()
                            ? (Object) ((JsonNumber) param).longValue() : ((JsonNumber) param).bigDecimalValue());
                    case STRING -> statement.setString(i + 1, ((JsonString) param).getString());
                    case NULL -> statement.setNull(i + 1, Types.NULL);
                    case TRUE, FALSE -> statement.setBoolean(i + 1, param == JsonValue.TRUE);
                    default -> statement.setString(i + 1, param.toString());
                }
            }
            JsonArrayBuilder rows = Json.createArrayBuilder();
            long updated = 0;
            if (statement.execute()) {
                try (ResultSet result = statement.getResultSet()) {
                    String type = result.getMetaData().getColumnTypeName(1);
                    while (result.next()) {
                        rows.add(value(result, type));
                    }
                }
            } else {
                updated = statement.getUpdateCount();
            }
            return Json.createObjectBuilder().add("rows", rows).add("updated", updated).build().toString();
        }
    }

    private static JsonValue value(ResultSet result, String type) throws SQLException {
        Object value = result.getObject(1);
        if (value == null) {
            return JsonValue.NULL;
        }
        if (type.equals("json") || type.equals("jsonb")) {
            return Json.createReader(new StringReader(result.getString(1))).readValue();
        }
        if (value instanceof Number number) {
            return Json.createValue(new java.math.BigDecimal(number.toString()));
        }
        return Json.createValue(value.toString());
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
