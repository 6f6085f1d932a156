package io.plank.systemtests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL server of the test database, stopped, started and restarted by the command that
 * {@value #CONTROL_COMMAND} names, with the action appended ({@code pg_ctlcluster 15 main}, {@code pg_ctl -D dir},
 * {@code systemctl}...). Each action ends every connection to that server, every test's on this machine included,
 * so the classes that use it run last (see junit-platform.properties); where the variable is unset they are skipped.
 */
final class PostgresServer {

    static final String CONTROL_COMMAND = "PLANK_TEST_PG_CTL";

    private static final Logger LOG = Logger.getLogger(PostgresServer.class.getName());
    private static final Duration ACTION_WITHIN = Duration.ofSeconds(60);

    private final String command;

    private PostgresServer(String command) {
        this.command = command;
    }

    /** The test database's server, or the calling test skipped when no command controls it here. */
    static PostgresServer controlled() {
        String command = System.getenv(CONTROL_COMMAND);
        Assumptions.assumeTrue(command != null && !command.isBlank(), CONTROL_COMMAND + " is not set: it names the "
                + "command that controls the PostgreSQL server of the test database, to which the tests append stop, "
                + "start or restart, e.g. 'pg_ctlcluster --skip-systemctl-redirect 15 main'");
        return new PostgresServer(command);
    }

    void restart() {
        run("restart");
    }

    void stop() {
        run("stop");
    }

    void start() {
        run("start");
    }

    private void run(String action) {
        String line = command + " " + action;
        long begin = System.nanoTime();
        try {
            Path output = Files.createTempFile("plank-pg-" + action, ".log");
            try {
                var process = new ProcessBuilder("/bin/sh", "-c", line).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
                if (!process.waitFor(ACTION_WITHIN.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("'" + line + "' did not finish within " + ACTION_WITHIN.toSeconds() + " s: "
                            + Files.readString(output));
                }
                if (process.exitValue() != 0) {
                    throw new AssertionError("'" + line + "' exited with " + process.exitValue() + ": " + Files.readString(output));
                }
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new AssertionError("Could not run '" + line + "': " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while running '" + line + "'", e);
        }
        LOG.info(() -> "PostgreSQL " + action + " took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin) + " ms");
    }
}
