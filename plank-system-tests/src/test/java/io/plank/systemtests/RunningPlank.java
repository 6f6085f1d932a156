package io.plank.systemtests;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

import io.plank.testsupport.db.TestDatabase;
import io.plank.testsupport.server.AppServer;
import io.plank.testsupport.server.Ports;
import io.plank.testsupport.server.ServerKind;

/**
 * plank.ear deployed on the server named by {@code plank.server}, against a database of its own. One per test
 * run: the extension keeps it in JUnit's root store, which closes it (server stopped, database dropped) at the end.
 */
public final class RunningPlank implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RunningPlank.class.getName());

    private final TestDatabase database;
    /** False for a server started {@link #beside} another: the database is the other's to drop. */
    private final boolean ownsDatabase;
    private final AppServer server;
    private final Path ear;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** A test JVM ended by a signal closes no JUnit store; the server stops by its own hook, the database by this. */
    private final Thread dropOnExit;

    private RunningPlank(TestDatabase database, boolean ownsDatabase, AppServer server, Path ear) {
        this.database = database;
        this.ownsDatabase = ownsDatabase;
        this.server = server;
        this.ear = ear;
        this.dropOnExit = new Thread(this::close, "plank-test-database-dropper");
        Runtime.getRuntime().addShutdownHook(dropOnExit);
    }

    static RunningPlank start() {
        return start(Map.of());
    }

    /**
     * As {@link #start()}, with {@code environment} added over the tests' usual settings: for a second server that
     * a test runs beside the shared one, e.g. with the admin API off. The caller closes it.
     */
    static RunningPlank start(Map<String, String> overrides) {
        return launch(ServerKind.parse(property("plank.server")), null, overrides, overrides.isEmpty() ? "" : "-second");
    }

    /**
     * As {@link #start(Map)}, once more if the first start fails: the free ports are checked, then bound by the server,
     * and on a busy machine another process may take one in between (seen once: "Address already in use"). The failed
     * server is gone; the second try takes other ports.
     */
    static RunningPlank startSecond(Map<String, String> overrides) {
        try {
            return start(overrides);
        } catch (RuntimeException lostPort) {
            LOG.warning(() -> "The second server did not start (" + lostPort.getMessage().lines().findFirst().orElse("")
                    + "); trying once more");
            return start(overrides);
        }
    }

    /**
     * A server of {@code kind} on this one's database, as a second instance behind the same load balancer would be.
     * The caller closes it; the database stays this one's.
     */
    RunningPlank beside(ServerKind kind) {
        return launch(kind, database, Map.of(), "-beside");
    }

    /** Starts a server of {@code kind} with the EAR deployed, on {@code shared} or (if null) a new database. */
    private static RunningPlank launch(ServerKind kind, TestDatabase shared, Map<String, String> overrides, String suffix) {
        Path ear = Path.of(property("plank.ear"));
        Path home = Path.of(property("plank." + kind.id() + ".home"));
        Path workDir = Path.of(property("plank.work.dir"))
                .resolve(kind.id() + suffix + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));

        Instant begin = Instant.now();
        AppServer server = kind.install(home, workDir);
        var plank = new RunningPlank(shared != null ? shared : TestDatabase.create(), shared == null, server, ear);
        try {
            var environment = new java.util.HashMap<>(plank.database.plankEnvironment());
            environment.put("PLANK_CORS_ORIGINS", CorsIT.ALLOWED_ORIGIN + "," + TestPages.origin());
            environment.put("PLANK_ADMIN_ENABLED", "true");
            // Tokens from TestTokens are trusted. Callers without one are administrators, and every table without grants
            // of its own is open to anyone: the tests written before authentication run as they did. SecurityIT's tables
            // have grants of their own; AdminOffIT's server runs as Plank ships, closed.
            environment.putAll(TestTokens.environment());
            environment.put("PLANK_AUTH_ANONYMOUS_ROLES", "plank-admin");
            environment.put("PLANK_GRANTS", "*:read:anyone,*:write:anyone");
            // Low enough that CatchUpIsolationIT's clients that stop reading meet both limits within its time.
            environment.put("PLANK_WS_STALL_TIMEOUT_MS", Long.toString(CatchUpIsolationIT.STALL_TIMEOUT.toMillis()));
            environment.put("PLANK_WS_TOTAL_QUEUE_CHARS", Long.toString(CatchUpIsolationIT.TOTAL_QUEUE_CHARS));
            // The failsafe executions *-logical run the same tests with durable tables captured by logical decoding.
            String method = System.getProperty("plank.capture.method");
            if (method != null && !method.isBlank()) {
                environment.put("PLANK_CAPTURE_METHOD", method);
            }
            // Low enough that HostileInputIT reaches it quickly; above the most any other test opens at once (SlowClientIT's 99 readers).
            environment.put("PLANK_WS_MAX_CONNECTIONS_PER_ADDRESS", Integer.toString(HostileInputIT.CONNECTIONS_PER_ADDRESS));
            environment.putAll(overrides);
            server.start(environment, Ports.FREE);
            Instant started = Instant.now();
            server.deploy(ear);
            server.awaitReady(Duration.ofMinutes(3));
            String expected = System.getProperty("plank.capture.expected");
            if (expected != null && !expected.isBlank()) {
                plank.expectCaptureMethod(expected);
            }
            LOG.info(() -> String.format("%s: started in %d s, deployed and ready in %d s more; %s",
                    kind.id(), Duration.between(begin, started).toSeconds(),
                    Duration.between(started, Instant.now()).toSeconds(), server.baseUrl()));
            return plank;
        } catch (RuntimeException e) {
            plank.close();
            throw e;
        }
    }

    /** Undeploys the EAR and deploys it again, returning once readiness is UP; WebSocket sessions are closed by it. */
    public void redeploy() {
        Instant begin = Instant.now();
        server.redeploy(ear);
        server.awaitReady(Duration.ofMinutes(3));
        LOG.info(() -> kind().id() + ": redeployed and ready in " + Duration.between(begin, Instant.now()).toMillis() + " ms");
    }

    /** Deploys another application ({@code archive}, a WAR or EAR) on Plank's server, as {@code name}. */
    public void deployBeside(Path archive, String name) {
        Instant begin = Instant.now();
        server.deploy(archive, name);
        LOG.info(() -> kind().id() + ": " + name + " deployed beside Plank in " + Duration.between(begin, Instant.now()).toMillis() + " ms");
    }

    /** Undeploys an application {@link #deployBeside deployed beside} Plank: its {@code @PreDestroy} has run on return. */
    public void undeployBeside(String name) {
        server.undeploy(name);
    }

    /** Ends the server at once (SIGKILL): no close frames, no undeployment; {@link #startAgain()} brings it back. */
    public void kill() {
        server.kill();
    }

    /** Starts the killed server again, same ports and database, and returns once readiness is UP. */
    public void startAgain() {
        Instant begin = Instant.now();
        server.restart();
        server.awaitReady(Duration.ofMinutes(3));
        LOG.info(() -> kind().id() + ": restarted and ready in " + Duration.between(begin, Instant.now()).toMillis() + " ms");
    }

    public ServerKind kind() {
        return server.kind();
    }

    /** {@code http://127.0.0.1:PORT/plank} */
    public URI baseUrl() {
        return server.baseUrl();
    }

    /** {@code http://127.0.0.1:PORT/plank/api} + {@code path} */
    public URI api(String path) {
        return URI.create(server.baseUrl() + "/api" + path);
    }

    /** {@code ws://127.0.0.1:PORT/plank/ws} + {@code query} */
    public URI webSocket(String query) {
        return URI.create(server.webSocketUrl() + query);
    }

    /** The WebSocket endpoint's address over plain HTTP, for what a handshake is refused with. */
    public URI webSocketHttp() {
        return URI.create(server.baseUrl() + "/ws");
    }

    public URI readinessUrl() {
        return server.readinessUrl();
    }

    public Path logFile() {
        return server.logFile();
    }

    /** The database's name, for ALTER DATABASE and pg_stat_activity. */
    public String databaseName() {
        String url = database.url();
        String tail = url.substring(url.lastIndexOf('/') + 1);
        int query = tail.indexOf('?');
        return query < 0 ? tail : tail.substring(0, query);
    }

    /** Plank's database, for a tool of the application's own (its Flyway). */
    public javax.sql.DataSource dataSource() {
        var dataSource = new org.postgresql.ds.PGSimpleDataSource();
        dataSource.setUrl(database.url());
        dataSource.setUser(database.user());
        dataSource.setPassword(database.password());
        return dataSource;
    }

    /** A new autocommit connection to Plank's database. */
    public Connection connect() throws SQLException {
        return database.connect();
    }

    /** Fails, naming what Plank chose, unless durable tables are captured by {@code method} ({@code plank.capture.expected}). */
    void expectCaptureMethod(String method) {
        try (Connection db = connect(); var statement = db.createStatement();
             var result = statement.executeQuery("SELECT plank.capture_method()")) {
            result.next();
            String inUse = result.getString(1);
            if (!method.equals(inUse)) {
                throw new IllegalStateException("Plank captures by " + inUse + ", not " + method + " (plank.capture.expected); "
                        + "see the server log for why: " + server.logFile());
            }
            var listener = JsonText.object(new Api(this).get("/status").body()).getJsonObject("listener");
            if (!method.equals(listener.getString("capture_method", null)) || listener.containsKey("capture_fallback")) {
                throw new IllegalStateException("The status does not say what is in use (" + method + "): " + listener);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the capture method in use", e);
        }
    }

    /**
     * A connection to the same server's {@code postgres} database, for what cannot be done from inside Plank's
     * own (ALTER DATABASE ... ALLOW_CONNECTIONS false).
     */
    public Connection connectToMaintenanceDatabase() throws SQLException {
        String url = database.url().replaceFirst("/" + databaseName() + "(\\?|$)", "/postgres$1");
        var credentials = new Properties();
        credentials.setProperty("user", database.user());
        credentials.setProperty("password", database.password());
        return DriverManager.getConnection(url, credentials);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.stop();
        } finally {
            if (ownsDatabase) {
                database.close();
            }
        }
        if (Thread.currentThread() != dropOnExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(dropOnExit);
            } catch (IllegalStateException shuttingDown) {
                // The hook finds everything closed.
            }
        }
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("System property " + name + " is not set; run through failsafe (mvn verify)");
        }
        return value;
    }
}
