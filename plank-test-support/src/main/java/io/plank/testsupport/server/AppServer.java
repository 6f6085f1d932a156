package io.plank.testsupport.server;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One application server running Plank's EAR.
 *
 * <pre>{@code
 * try (AppServer server = ServerKind.PAYARA.install(home, workDir)) {
 *     server.start(database.plankEnvironment(), Ports.FREE);
 *     server.deploy(ear);
 *     server.awaitReady(Duration.ofMinutes(2));
 *     ... server.baseUrl(), server.webSocketUrl(), server.readinessUrl(), server.logFile()
 *     server.redeploy(ear);   // or undeploy() and deploy(ear) with a pause between
 *     server.awaitReady(Duration.ofMinutes(2));
 * }
 * }</pre>
 *
 * Every started server is also stopped when the JVM exits, so an aborted test run or a Ctrl-C leaves nothing behind.
 */
public abstract sealed class AppServer implements AutoCloseable permits PayaraServer, WildFlyServer {

    public static final String CONTEXT_ROOT = "/plank";
    /** The application name Plank's EAR is deployed under. */
    static final String PLANK = "plank";

    /**
     * The server JVM's maximum heap, on both servers: their own 512 MB was nearly all live with 10,000 idle WebSocket
     * sessions on Payara (issue 21). Why and how much: docs/OPERATIONS.md, "Heap".
     */
    static final String HEAP = "-Xmx1g";

    private static final Logger LOG = Logger.getLogger(AppServer.class.getName());
    private static final Set<AppServer> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(AppServer::stop), "plank-server-stopper"));
    }

    protected final ServerKind kind;
    protected final Path home;
    protected final Path workDir;
    private final AtomicReference<ServerProcess> process = new AtomicReference<>();
    private volatile boolean stopRequested;
    /** What the first start was given, for {@link #restart()}. */
    private Map<String, String> environment;
    private Ports ports;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    AppServer(ServerKind kind, Path home, Path workDir) {
        if (!Files.isDirectory(home.resolve("bin"))) {
            throw new ServerException(kind.id() + " distribution not found at " + home
                    + " (unpack it first: mvn -pl plank-system-tests pre-integration-test)");
        }
        this.kind = kind;
        this.home = home.toAbsolutePath();
        this.workDir = workDir.toAbsolutePath();
    }

    /**
     * Starts the server with {@code environment} added to this JVM's (Plank reads its PLANK_* settings from
     * there) and returns once it accepts deployments.
     */
    public final synchronized void start(Map<String, String> environment, Ports ports) {
        if (process.get() != null) {
            throw new IllegalStateException(kind.id() + " already started");
        }
        this.environment = Map.copyOf(environment);
        this.ports = ports;
        Instant begin = Instant.now();
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new ServerException("Could not create " + workDir, e);
        }
        var env = new HashMap<>(environment);
        env.put("JAVA_HOME", javaHome().toString());
        ServerProcess launched = launch(env, ports);
        process.set(launched);
        RUNNING.add(this);
        try {
            awaitStarted();
            launched.remember();
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        LOG.info(() -> kind.id() + " started in " + Duration.between(begin, Instant.now()).toSeconds() + " s, log "
                + logFile());
    }

    /**
     * Starts a stopped or {@link #kill() killed} server again, on the ports and with the environment and the
     * deployments it had, and returns once it accepts requests (wait for {@link #awaitReady} before using Plank).
     */
    public final synchronized void restart() {
        if (environment == null) {
            throw new IllegalStateException(kind.id() + " was never started");
        }
        start(environment, ports);
    }

    /**
     * Ends the server's processes at once (SIGKILL), as a crash or the kernel's OOM killer would: no close frames,
     * no undeployment, connections simply reset. {@link #restart()} brings it back.
     */
    public final void kill() {
        ServerProcess killing = process.getAndSet(null);
        if (killing == null) {
            return;
        }
        killing.kill(Duration.ZERO);
        RUNNING.remove(this);
        LOG.info(() -> kind.id() + " killed");
    }

    /** Deploys Plank's {@code ear} and returns once the server reports it deployed; a failed deployment throws. */
    public void deploy(Path ear) {
        deploy(ear, PLANK);
    }

    /**
     * Deploys {@code archive} (an EAR or WAR) as the application {@code name}, beside whatever is deployed, and returns
     * once the server reports it deployed; a failed deployment throws.
     */
    public abstract void deploy(Path archive, String name);

    /** Undeploys Plank and returns once the server reports it gone: the application has stopped (its {@code @PreDestroy} ran). */
    public void undeploy() {
        undeploy(PLANK);
    }

    /** Undeploys the application {@code name} and returns once the server reports it gone. */
    public abstract void undeploy(String name);

    /** Stops the deployed application and deploys {@code ear} in its place, as an operator rolling out a new version does. */
    public void redeploy(Path ear) {
        undeploy();
        deploy(ear);
    }

    /** Waits until the readiness URL answers 200 (status UP). */
    public void awaitReady(Duration timeout) {
        try {
            awaitCondition("readiness " + readinessUrl() + " to answer 200", timeout, () -> Probe.status(readinessUrl()) == 200);
        } catch (ServerException e) {
            throw new ServerException(e.getMessage() + "\n--- " + readinessUrl() + " says\n" + Probe.body(readinessUrl()), e);
        }
    }

    /** {@code http://127.0.0.1:PORT/plank} */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + httpPort() + CONTEXT_ROOT);
    }

    /** {@code ws://127.0.0.1:PORT/plank/ws} */
    public URI webSocketUrl() {
        return URI.create("ws://127.0.0.1:" + httpPort() + CONTEXT_ROOT + "/ws");
    }

    /** MicroProfile Health readiness: Payara serves it on the HTTP port, WildFly on the management port. */
    public abstract URI readinessUrl();

    /** The server's own log file. */
    public abstract Path logFile();

    /** What the server's launcher wrote to stdout and stderr. */
    public Path consoleLog() {
        return workDir.resolve("console.log");
    }

    public ServerKind kind() {
        return kind;
    }

    public abstract int httpPort();

    public boolean isRunning() {
        ServerProcess running = process.get();
        return running != null && running.isAlive();
    }

    /** Completes when the server process ends, whoever ended it. */
    public CompletableFuture<?> onExit() {
        ServerProcess running = process.get();
        if (running == null) {
            throw new IllegalStateException(kind.id() + " not started");
        }
        return running.onExit();
    }

    /**
     * Stops the server, politely first, forcibly after a grace period, and returns when it is gone. Safe to call
     * more than once and from several threads (later callers wait for the first), also while {@link #start} is
     * still waiting (that start then fails).
     */
    public final void stop() {
        ServerProcess stopping = process.getAndSet(null);
        if (stopping == null) {
            if (stopRequested) {
                stopped.join();
            }
            return;
        }
        stopRequested = true;
        try {
            if (stopping.isAlive()) {
                shutDownGracefully();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, kind.id() + " did not stop cleanly, ending its processes", e);
        } finally {
            stopping.kill(Duration.ofSeconds(30));
            RUNNING.remove(this);
            LOG.info(() -> kind.id() + " stopped");
            stopped.complete(null);
        }
    }

    /** Whether {@link #stop} was called, as opposed to the server ending on its own. */
    public boolean stopRequested() {
        return stopRequested;
    }

    @Override
    public void close() {
        stop();
    }

    // ---- what each server does differently

    abstract ServerProcess launch(Map<String, String> environment, Ports ports);

    abstract void awaitStarted();

    /** Asks the server to shut down; the caller ends whatever is left afterwards. */
    abstract void shutDownGracefully();

    // ---- shared by both servers

    /** Runs one of the distribution's command-line tools to completion. */
    String runTool(List<String> command, Duration timeout) {
        return runTool(command, Map.of(), timeout);
    }

    /** Runs one of the distribution's command-line tools to completion, with extra environment variables. */
    String runTool(List<String> command, Map<String, String> environment, Duration timeout) {
        var env = new HashMap<>(environment);
        env.put("JAVA_HOME", javaHome().toString());
        env.put("AS_JAVA", javaHome().toString());
        return ServerProcess.run(command, env, workDir, workDir.resolve("tools.log"), timeout);
    }

    /** Polls {@code done} until it holds; fails early, with the log, when the server process has died. */
    void awaitCondition(String what, Duration timeout, BooleanSupplier done) {
        Instant deadline = Instant.now().plus(timeout);
        while (!done.getAsBoolean()) {
            if (!isRunning()) {
                throw new ServerException(kind.id() + " exited while waiting for " + what + "\n" + evidence());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new ServerException("Timed out after " + timeout.toSeconds() + " s waiting for " + what + "\n"
                        + evidence());
            }
            pause(Duration.ofMillis(500));
        }
    }

    /** The tails of the console and the server log, for failure messages. */
    public String evidence() {
        return "--- " + consoleLog() + "\n" + Logs.tail(consoleLog(), 30)
                + "\n--- " + logFile() + "\n" + Logs.tail(logFile(), 80);
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServerException("Interrupted", e);
        }
    }

    /** {@code plank.java.home}, else {@code JAVA_HOME}, else the JDK running this code. */
    static Path javaHome() {
        String configured = System.getProperty("plank.java.home", System.getenv("JAVA_HOME"));
        return Path.of(configured != null && !configured.isBlank() ? configured : System.getProperty("java.home"));
    }
}
