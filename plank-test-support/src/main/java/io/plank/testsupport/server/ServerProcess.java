package io.plank.testsupport.server;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An operating-system process and everything it started. Both servers run behind a launcher (asadmin, a shell
 * script), so stopping only the direct child would leave the server JVM behind: the tree's members are
 * remembered while they are still children, and all of them are ended.
 */
final class ServerProcess {

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final Process process;
    private final Set<ProcessHandle> members = ConcurrentHashMap.newKeySet();

    private ServerProcess(Process process) {
        this.process = process;
        members.add(process.toHandle());
    }

    /**
     * Starts {@code command} in a session of its own where setsid exists: a Ctrl-C in the terminal then reaches
     * only this JVM, which stops the server in order, instead of every process at once.
     */
    static ServerProcess launch(List<String> command, Map<String, String> environment, Path directory, Path output) {
        var full = new ArrayList<String>();
        if (Files.isExecutable(SETSID)) {
            full.add(SETSID.toString());
            full.add("--wait");
        }
        full.addAll(command);
        var builder = new ProcessBuilder(full)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(output.toFile()))
                .redirectInput(Redirect.from(new File("/dev/null")));
        builder.environment().putAll(environment);
        try {
            return new ServerProcess(builder.start());
        } catch (IOException e) {
            throw new ServerException("Could not run " + command + ": " + e.getMessage(), e);
        }
    }

    /** Runs a command to completion; a non-zero exit or a timeout is a {@link ServerException} quoting its output. */
    static String run(List<String> command, Map<String, String> environment, Path directory, Path output, Duration timeout) {
        var started = launch(command, environment, directory, output);
        started.remember();
        try {
            if (!started.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                started.kill(Duration.ZERO);
                throw new ServerException("Timed out after " + timeout.toSeconds() + " s: " + command + "\n"
                        + Logs.tail(output, 40));
            }
        } catch (InterruptedException e) {
            started.kill(Duration.ZERO);
            Thread.currentThread().interrupt();
            throw new ServerException("Interrupted while running " + command, e);
        }
        String text = Logs.tail(output, 60);
        if (started.process.exitValue() != 0) {
            throw new ServerException("Exit code " + started.process.exitValue() + " from " + command + "\n" + text);
        }
        return text;
    }

    /** Notes the current descendants, so they can be ended even after their parent is gone. */
    void remember() {
        process.descendants().forEach(members::add);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    long pid() {
        return process.pid();
    }

    /** SIGTERM to every member, then SIGKILL to those still alive after {@code grace}. */
    void kill(Duration grace) {
        remember();
        List<ProcessHandle> alive = new ArrayList<>(members);
        alive.removeIf(handle -> !handle.isAlive());
        if (!grace.isZero()) {
            alive.forEach(ProcessHandle::destroy);
            awaitExit(alive, grace);
        }
        alive.forEach(ProcessHandle::destroyForcibly);
        awaitExit(alive, Duration.ofSeconds(10));
    }

    private static void awaitExit(List<ProcessHandle> handles, Duration timeout) {
        var all = CompletableFuture.allOf(handles.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new));
        try {
            all.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // The caller escalates or gives up; either way it must not hang here.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
