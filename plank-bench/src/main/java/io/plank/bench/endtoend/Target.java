package io.plank.bench.endtoend;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import io.plank.testsupport.db.TestDatabase;
import io.plank.testsupport.server.AppServer;
import io.plank.testsupport.server.Ports;
import io.plank.testsupport.server.ServerKind;

/**
 * One thing the clients connect to: Plank on a server this benchmark starts, a Plank already running at a URL, the
 * trivial relay that measures the load generator, or the Vert.x peer Plank is measured against.
 *
 * <p>Spelled on the command line as {@code payara}, {@code wildfly}, {@code payara:NAME=/path/to/other.ear} (a second
 * contender on the same server kind), {@code relay}, {@code vertx} ({@link VertxPeer} in its own JVM, on its own
 * database), or {@code NAME=ws://host:port/plank/ws} (a running Plank, or a peer speaking as much of its protocol, whose
 * database PLANK_DB_URL names; its JVM's pid in {@code -Dplank.bench.pid.NAME} enables CPU and heap figures).
 */
final class Target implements AutoCloseable {

    final String name;
    final URI webSocket;
    final long pid;
    /** The server's log, where this benchmark started the server; null otherwise. */
    final Path log;
    private final Callable<ChangeSource> writer;
    private final AutoCloseable[] owned;

    private Target(String name, URI webSocket, long pid, Path log, Callable<ChangeSource> writer, AutoCloseable... owned) {
        this.name = name;
        this.webSocket = webSocket;
        this.pid = pid;
        this.log = log;
        this.writer = writer;
        this.owned = owned;
    }

    boolean isRelay() {
        return name.equals("relay");
    }

    ChangeSource openWriter() throws Exception {
        return writer.call();
    }

    static Target parse(String spec, Settings settings) throws Exception {
        if (spec.equals("relay")) {
            var relay = new FrameRelay(settings.relayThreads());
            // The writer must not close the relay: it lives as long as the target.
            return new Target("relay", relay.webSocketUrl(), ProcessHandle.current().pid(), null, () -> relay::write, relay);
        }
        if (spec.equals("vertx")) {
            return peer(settings);
        }
        int eq = spec.indexOf('=');
        if (eq > 0 && spec.substring(eq + 1).startsWith("ws")) {
            String name = spec.substring(0, eq);
            String url = env("PLANK_DB_URL", "jdbc:postgresql://127.0.0.1:5432/plank");
            String user = env("PLANK_DB_USER", "postgres");
            String password = env("PLANK_DB_PASSWORD", "");
            return new Target(name, URI.create(spec.substring(eq + 1)), Long.getLong("plank.bench.pid." + name, 0), null,
                    () -> new JdbcWriter(url, user, password));
        }
        String kindAndName = eq > 0 ? spec.substring(0, eq) : spec;
        Path ear = eq > 0 ? Path.of(spec.substring(eq + 1)) : settings.ear();
        int colon = kindAndName.indexOf(':');
        ServerKind kind = ServerKind.parse(colon > 0 ? kindAndName.substring(0, colon) : kindAndName);
        String name = colon > 0 ? kindAndName.substring(colon + 1) : kind.id();
        return start(kind, name, ear, settings);
    }

    private static Target start(ServerKind kind, String name, Path ear, Settings settings) {
        Path home = settings.serverHome(kind);
        Path workDir = settings.workDir().resolve(name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        var database = TestDatabase.create();
        AppServer server = kind.install(home, workDir);
        try {
            var environment = new HashMap<>(database.plankEnvironment());
            // Every bench client connects from 127.0.0.1, well over the default 1,000 per address.
            environment.put("PLANK_WS_MAX_CONNECTIONS_PER_ADDRESS", "0");
            // The clients subscribe to items without a token, as in the run command's development mode.
            environment.put("PLANK_GRANTS", "items:read:anyone");
            // Capture by trigger, as in the figures measured before auto became the default (an EAR older than that
            // captures by trigger whatever it is told); -Dplank.bench.env.KIND_OR_NAME=PLANK_CAPTURE_METHOD=auto overrides it.
            environment.put("PLANK_CAPTURE_METHOD", "trigger");
            environment.putAll(settings.serverEnvironment(kind.id()));
            if (!name.equals(kind.id())) {
                environment.putAll(settings.serverEnvironment(name));
            }
            server.start(environment, Ports.FREE);
            server.deploy(ear);
            server.awaitReady(Duration.ofMinutes(3));
        } catch (RuntimeException e) {
            server.close();
            database.close();
            throw e;
        }
        long pid = serverPid(workDir);
        // -Dplank.bench.query.NAME=?x=y: connect with a query string, e.g. to opt in to a protocol option.
        URI webSocket = URI.create(server.webSocketUrl() + System.getProperty("plank.bench.query." + name, ""));
        return new Target(name, webSocket, pid, server.logFile(),
                () -> new JdbcWriter(database.url(), database.user(), database.password()), server, database::close);
    }

    /** {@link VertxPeer} in a JVM of its own with the servers' heap (1 GiB), on a fresh database it sets up itself. */
    private static Target peer(Settings settings) throws Exception {
        var database = TestDatabase.create();
        Path log = settings.workDir().resolve("vertx-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".log");
        int port;
        try (var probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms1g", "-Xmx1g", "-cp", System.getProperty("java.class.path"), VertxPeer.class.getName(),
                Integer.toString(port), database.url().substring("jdbc:".length()), database.user(), database.password())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        AutoCloseable stop = () -> {
            process.destroy();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        };
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!java.nio.file.Files.readString(log).contains("listening on " + port)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                stop.close();
                database.close();
                throw new IllegalStateException("The Vert.x peer did not start; its log: " + log);
            }
            Thread.sleep(100);
        }
        return new Target("vertx", URI.create("ws://127.0.0.1:" + port + "/plank/ws"), process.pid(), log,
                () -> new JdbcWriter(database.url(), database.user(), database.password()), stop, database::close);
    }

    /**
     * The server's own JVM: a descendant of this one (asadmin and standalone.sh launch it) whose command line names its
     * work directory and that runs the server's main class (asadmin's launcher is a JVM too, and names the same directory).
     */
    private static long serverPid(Path workDir) {
        String marker = workDir.toAbsolutePath().toString();
        return ProcessHandle.current().descendants()
                .filter(p -> {
                    String commandLine = commandLine(p.pid());
                    return commandLine.split(" ", 2)[0].endsWith("java") && commandLine.contains(marker)
                            && (commandLine.contains("glassfish.bootstrap.ASMain") || commandLine.contains("jboss-modules.jar"))
                            && !commandLine.contains("jboss-cli");
                })
                .mapToLong(ProcessHandle::pid)
                .max().orElse(0);
    }

    /** /proc/PID/cmdline: ProcessHandle.Info leaves out the arguments of long command lines. */
    private static String commandLine(long pid) {
        try {
            return new String(java.nio.file.Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).replace('\0', ' ');
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        for (AutoCloseable resource : owned) {
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("Closing " + name + ": " + e);
            }
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** What starting servers needs: the EAR, the unpacked distributions, a work directory, extra environment. */
    interface Settings {
        Path ear();

        Path serverHome(ServerKind kind);

        Path workDir();

        int relayThreads();

        /** Extra environment for the servers of a kind ({@code payara}) or for one named target. */
        Map<String, String> serverEnvironment(String kindOrName);
    }
}
