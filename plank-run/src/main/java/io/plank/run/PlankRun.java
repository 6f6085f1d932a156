package io.plank.run;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.logging.Logger;

import io.plank.testsupport.db.LocalPostgres;
import io.plank.testsupport.server.AppServer;
import io.plank.testsupport.server.Ports;
import io.plank.testsupport.server.ServerKind;

/**
 * {@code ./run.sh [payara|wildfly]}: builds nothing, starts the chosen server on its default ports with
 * plank.ear deployed and waits. Where no database is configured and no PostgreSQL answers on 127.0.0.1:5432, it first
 * starts one ({@link LocalPostgres}), keeping its data under plank-run/target/postgres, and stops it at the end. Ctrl-C or SIGTERM stops the server (AppServer's shutdown hook).
 * Plank runs in {@link DevelopmentMode}, with a key pair kept under plank-run/target/dev-keys.
 *
 * <p>System properties (set by the plank-run pom): {@code plank.ear}, {@code plank.payara.home},
 * {@code plank.wildfly.home}, {@code plank.work.dir}.
 */
public final class PlankRun {

    private static final Logger LOG = Logger.getLogger(PlankRun.class.getName());

    private PlankRun() {
    }

    public static void main(String[] args) throws Exception {
        ServerKind kind = ServerKind.parse(args.length > 0 ? args[0] : System.getProperty("plank.server", "payara"));
        Path ear = Path.of(required("plank.ear"));
        Path home = Path.of(required("plank." + kind.id() + ".home"));
        Path workDir = Path.of(required("plank.work.dir"))
                .resolve("run-" + kind.id() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));

        // Nothing to install but a JDK and Maven: with no database configured and none answering, one is started.
        LocalPostgres local = null;
        if (System.getenv("PLANK_DB_URL") == null && !LocalPostgres.answers(PlankDatabase.DEFAULT_PORT)) {
            Path dir = Path.of(required("plank.work.dir")).resolveSibling("postgres");
            LOG.info(() -> "No PostgreSQL answers on 127.0.0.1:" + PlankDatabase.DEFAULT_PORT + " and PLANK_DB_URL is not set: starting one"
                    + " from the binaries on Maven Central, its data kept in " + dir);
            local = LocalPostgres.start(dir, PlankDatabase.DEFAULT_PORT);
            // Ctrl-C or SIGTERM may end the JVM before main's finally runs; whichever comes first stops it.
            Runtime.getRuntime().addShutdownHook(new Thread(local::close, "plank-local-postgres-stop"));
        }
        try {
            var development = new DevelopmentMode(
                    DevelopmentKeys.loadOrCreate(Path.of(required("plank.work.dir")).resolveSibling("dev-keys")), System.getenv());
            run(kind, ear, home, workDir, development);
        } finally {
            if (local != null) {
                local.close();
            }
        }
    }

    private static void run(ServerKind kind, Path ear, Path home, Path workDir, DevelopmentMode development) throws Exception {
        var database = PlankDatabase.fromEnvironment();
        database.createIfMissing();

        AppServer server = kind.install(home, workDir);
        // Stopped here on every way out of main, not only by the shutdown hook: exec:java closes this class's
        // class loader once main returns, and a hook that then needs a class not loaded yet fails silently.
        try {
            LOG.info(() -> "Starting " + kind.id() + " (log: " + server.logFile() + ")");
            var environment = new HashMap<>(development.environment());
            environment.putAll(database.plankEnvironment());
            server.start(environment, Ports.DEFAULT);
            server.deploy(ear);
            server.awaitReady(Duration.ofMinutes(3));
            LOG.info(() -> banner(kind, server, database) + "\n\n"
                    + development.banner("http://localhost:" + server.httpPort() + AppServer.CONTEXT_ROOT + "/api", Instant.now())
                    + "\nPress Ctrl-C to stop.");

            // Blocks until the server ends: by Ctrl-C/SIGTERM (the shutdown hook stops it) or on its own.
            server.onExit().join();
            if (!server.stopRequested()) {
                throw new IllegalStateException(kind.id() + " ended unexpectedly\n" + server.evidence());
            }
        } finally {
            server.stop();
        }
    }

    private static String banner(ServerKind kind, AppServer server, PlankDatabase database) {
        String local = "http://localhost:" + server.httpPort() + AppServer.CONTEXT_ROOT;
        return String.join("\n",
                "",
                "Plank is running on " + kind.id() + " against " + database.url(),
                "  Test page:  " + local + "/",
                "  Admin page: " + local + "/admin/   (with a token that has the plank-admin role: see below)",
                "  WebSocket:  ws://localhost:" + server.httpPort() + AppServer.CONTEXT_ROOT + "/ws",
                "  REST:       " + local + "/api/items   (status: " + local + "/api/status)",
                "  Readiness:  " + server.readinessUrl().toString().replace("127.0.0.1", "localhost"),
                "  Server log: " + server.logFile());
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("System property " + property + " is not set (run through ./run.sh)");
        }
        return value;
    }
}
