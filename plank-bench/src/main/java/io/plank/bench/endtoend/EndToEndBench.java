package io.plank.bench.endtoend;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.plank.testsupport.server.ServerKind;

/**
 * Plank end to end: the built plank.ear on a real Payara Server and a real WildFly (or a Plank already running), N
 * WebSocket clients subscribed to {@code items}, one JDBC writer at a set rate, commit-to-client latency measured in
 * this one JVM. The trivial {@link FrameRelay} runs the same scenarios to show what the load generator itself can
 * measure on this machine. Each scenario runs {@code plank.bench.runs} times, the targets interleaved; the table gives
 * median (min-max).
 *
 * <p>System properties: {@code plank.bench.targets} (default {@code relay,payara,wildfly}; see {@link Target}),
 * {@code plank.bench.scenarios} (default {@code 1x1000,100x500,100x500+stall,1000x100,1000x200,ramp,idle}),
 * {@code plank.bench.runs} (3), {@code plank.bench.seconds} (5), {@code plank.bench.ramp} (rates for 1,000 clients),
 * {@code plank.bench.idle} (10000 sessions), {@code plank.bench.idle.heapdump} (true: a heap dump with them open),
 * {@code plank.bench.out} (also write the table to this file),
 * {@code plank.bench.jfr} (a scenario to record with JFR on each server in the first run; a storm from its drop to its end),
 * {@code plank.bench.client-threads} (2),
 * {@code plank.bench.storm.rate} (50 changes/s) and {@code plank.bench.storm.deadline} (60 s) for the storm scenarios.
 */
public final class EndToEndBench implements Target.Settings {

    private static final PrintStream OUT = System.out; // a command-line report, not application logging
    private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(60);
    private static final long GRACE_NANOS = 1_000_000_000L;

    private final int runs = Integer.getInteger("plank.bench.runs", 3);
    private final int seconds = Integer.getInteger("plank.bench.seconds", 5);
    private final int clientThreads = Integer.getInteger("plank.bench.client-threads", 2);
    private final int idleSessions = Integer.getInteger("plank.bench.idle", 10_000);
    private final int[] rampRates = Arrays.stream(System.getProperty("plank.bench.ramp", "100,200,300,400,500,600,800,1000")
            .split(",")).mapToInt(r -> Integer.parseInt(r.trim())).toArray();
    private final String jfrScenario = System.getProperty("plank.bench.jfr", "");
    private final int stormDeadline = Integer.getInteger("plank.bench.storm.deadline", 60);
    private final boolean idleHeapDump = Boolean.getBoolean("plank.bench.idle.heapdump");
    private final Table table = new Table();
    private int runId = (int) (System.currentTimeMillis() / 1000 % 100_000) * 1000;

    public static void main(String[] args) throws Exception {
        Logger.getLogger("").setLevel(Level.WARNING);
        Logger.getLogger("io.plank.testsupport").setLevel(Level.INFO);
        new EndToEndBench().run();
        System.exit(0); // the servers' shutdown hooks have run in close(); nothing else should keep the JVM
    }

    private void run() throws Exception {
        List<Scenario> scenarios = Arrays.stream(System.getProperty("plank.bench.scenarios",
                "1x1000,100x500,100x500+stall,1000x100,1000x200,ramp,idle").split(",")).map(Scenario::parse).toList();
        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String loadAtStart = ProcessProbe.loadAverage();
        var targets = new ArrayList<Target>();
        try {
            for (String spec : System.getProperty("plank.bench.targets", "relay,payara,wildfly").split(",")) {
                OUT.println("Starting " + spec.trim() + " ...");
                targets.add(Target.parse(spec.trim(), this));
                Target t = targets.get(targets.size() - 1);
                if (targets.stream().filter(other -> other.name.equals(t.name)).count() > 1) {
                    throw new IllegalArgumentException("Two targets are named " + t.name + ": give each its own name");
                }
                OUT.println("  " + t.name + ": " + t.webSocket + (t.pid > 0 ? " (pid " + t.pid + ")" : ""));
            }
            for (Target target : targets) {
                warmUp(target);
            }
            for (int rep = 1; rep <= runs; rep++) {
                for (Scenario scenario : scenarios) {
                    // Rotate the order each round, so no target always runs right after the same neighbour.
                    for (int t = 0; t < targets.size(); t++) {
                        Target target = targets.get((t + rep - 1) % targets.size());
                        if (target.isRelay() && (scenario.isIdle() || scenario.stall() || scenario.isStorm())) {
                            continue;
                        }
                        runScenario(target, scenario, rep);
                    }
                }
            }
        } finally {
            targets.forEach(Target::close);
        }
        var lines = new ArrayList<String>();
        lines.add("Plank end to end, " + started + " to " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                + ", " + runs + " runs of " + seconds + " s per scenario, targets interleaved; "
                + Runtime.getRuntime().availableProcessors() + " cores; loadavg at start " + loadAtStart + ", at end "
                + ProcessProbe.loadAverage() + ". Figures: median (min-max).");
        lines.add("");
        lines.addAll(table.rows());
        OUT.println();
        lines.forEach(OUT::println);
        String out = System.getProperty("plank.bench.out", "");
        if (!out.isBlank()) {
            Files.write(Path.of(out), lines);
            OUT.println("Written to " + out);
        }
    }

    private void warmUp(Target target) throws Exception {
        OUT.println("Warming up " + target.name + " ...");
        try (var clients = new SocketClients(clientThreads)) {
            clients.open(target.webSocket, 200, 200, false, SUBSCRIBE_TIMEOUT);
            measure(target, clients, 500, 200, 4, 0);
        }
    }

    private void runScenario(Target target, Scenario scenario, int rep) throws Exception {
        if (scenario.isIdle()) {
            idle(target);
            return;
        }
        if (scenario.isRamp()) {
            ramp(target);
            return;
        }
        if (scenario.isStorm()) {
            storm(target, scenario, rep);
            return;
        }
        boolean record = scenario.name().equals(jfrScenario) && rep == 1 && target.pid > 0 && !target.isRelay();
        Path jfr = workDir().resolve(target.name + "-" + scenario.name() + ".jfr");
        try (var clients = new SocketClients(clientThreads)) {
            int measured = scenario.stall() ? scenario.clients() - 1 : scenario.clients();
            clients.open(target.webSocket, measured, 250, false, SUBSCRIBE_TIMEOUT);
            if (scenario.stall()) {
                clients.open(target.webSocket, 1, 1, true, SUBSCRIBE_TIMEOUT);
            }
            if (record) {
                ProcessProbe.startRecording(target.pid, jfr);
            }
            Measurement m = measure(target, clients, scenario.rate(), measured, seconds, 20);
            if (scenario.stall()) {
                // The stalled client could not read a close frame; let it read now to learn whether it was closed.
                clients.resumeStalled();
                LockSupport.parkNanos(Duration.ofSeconds(3).toNanos());
                m = m.withCloses(clients.closes());
            }
            if (record) {
                ProcessProbe.stopRecording(target.pid);
                OUT.println("  JFR recording: " + jfr);
            }
            table.add(scenario.name(), target.name, m);
            OUT.printf("%-8s %-16s run %d: %s  load %s%n", target.name, scenario.name(), rep, m.line(), ProcessProbe.loadAverage());
        }
    }

    /** 1,000 clients, the rates of plank.bench.ramp in turn until a step delivers under 95% in time; the best msgs/s is the ceiling. */
    private void ramp(Target target) throws Exception {
        double best = 0;
        int bestRate = 0;
        var steps = new ArrayList<String>();
        try (var clients = new SocketClients(clientThreads)) {
            clients.open(target.webSocket, 1000, 250, false, SUBSCRIBE_TIMEOUT);
            for (int rate : rampRates) {
                Measurement m = measure(target, clients, rate, 1000, seconds, 30);
                OUT.printf("%-8s ramp %5d/s      : %s  load %s%n", target.name, rate, m.line(), ProcessProbe.loadAverage());
                steps.add(String.format("%d/s: %.0fk %.0f%% p99 %.0f ms", rate, m.messagesPerSecond() / 1000, m.deliveredShare() * 100, m.p99()));
                if (m.messagesPerSecond() > best) {
                    best = m.messagesPerSecond();
                    bestRate = rate;
                }
                if (m.deliveredShare() < 0.95 || !clients.closes().equals("-")) {
                    break;
                }
            }
        }
        table.note("ramp (1,000 clients)", target.name, String.format("ceiling %,.0f msgs/s at %d/s [%s]", best, bestRate,
                String.join(", ", steps)));
    }

    /** The reconnect storm: its progress as it goes, one row per half (plain, batching) in the notes. */
    private void storm(Target target, Scenario scenario, int rep) throws Exception {
        OUT.printf("%-8s %s run %d: %d clients, %d changes/s, warm-up %d s, deadline %d s; load %s%n", target.name,
                scenario.name(), rep, scenario.clients(), scenario.rate(), seconds, stormDeadline, ProcessProbe.loadAverage());
        boolean record = scenario.name().equals(jfrScenario) && rep == 1 && target.pid > 0;
        var storm = new Storm(target, scenario.clients(), scenario.rate(), seconds, stormDeadline, clientThreads, ++runId,
                record ? workDir().resolve(target.name + "-" + scenario.name() + ".jfr") : null);
        for (Storm.Half half : storm.run(OUT::println)) {
            table.note(scenario.name() + " " + half.name(), target.name, half.text());
        }
        LockSupport.parkNanos(Duration.ofSeconds(3).toNanos()); // let the server finish closing them
    }

    /** Live heap (after a full GC) with no session and with N idle subscribed sessions; the difference per session. */
    private void idle(Target target) throws Exception {
        if (target.pid <= 0) {
            OUT.println(target.name + ": no pid, no heap figure");
            return;
        }
        var byClassBefore = ProcessProbe.liveHeapByClass(target.pid);
        long before = byClassBefore.values().stream().mapToLong(Long::longValue).sum();
        long after;
        java.util.Map<String, Long> byClassAfter;
        try (var clients = new SocketClients(clientThreads)) {
            clients.open(target.webSocket, idleSessions, 500, false, SUBSCRIBE_TIMEOUT);
            LockSupport.parkNanos(Duration.ofSeconds(2).toNanos());
            byClassAfter = ProcessProbe.liveHeapByClass(target.pid);
            after = byClassAfter.values().stream().mapToLong(Long::longValue).sum();
            if (idleHeapDump) { // who holds a session's bytes: the paths to GC roots are in the dump
                Path dump = workDir().resolve(target.name + "-idle-" + System.currentTimeMillis() + ".hprof");
                ProcessProbe.jcmd(target.pid, "GC.heap_dump", dump.toAbsolutePath().toString());
                OUT.println("  heap dump with the sessions open: " + dump);
            }
        }
        // Where a session's bytes go: the classes that grew most, per session.
        byClassAfter.entrySet().stream()
                .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - byClassBefore.getOrDefault(e.getKey(), 0L)))
                .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()).limit(15)
                .forEach(e -> OUT.printf("    %8.0f B/session  %s%n", (double) e.getValue() / idleSessions, e.getKey()));
        double perSession = (after - before) / 1024.0 / idleSessions;
        String text = String.format("%.1f KiB/session (live heap %.0f MB -> %.0f MB with %,d sessions)", perSession,
                before / 1e6, after / 1e6, idleSessions);
        table.note("idle " + idleSessions + " sessions", target.name, text);
        OUT.printf("%-8s idle %,d: %s%n", target.name, idleSessions, text);
        LockSupport.parkNanos(Duration.ofSeconds(3).toNanos()); // let the server finish closing them
    }

    /**
     * One writer at {@code rate} for {@code seconds}; the first {@code measuredClients} clients are measured. Then
     * waits (at most {@code drainSeconds}) for the backlog to drain so it does not spill into the next run.
     */
    private Measurement measure(Target target, SocketClients clients, int rate, int measuredClients, int seconds,
                                int drainSeconds) throws Exception {
        int expected = rate * seconds;
        long[] committed = new long[expected];
        int id = ++runId;
        try (ChangeSource source = target.openWriter()) {
            if (!target.isRelay()) {
                source.prepare();
            }
            LockSupport.parkNanos(300_000_000L);
            SocketClients.Run run = clients.start(id, expected);
            long serverCpu0 = target.isRelay() ? -1 : ProcessProbe.cpuNanos(target.pid);
            long selfCpu0 = ProcessProbe.cpuNanos(ProcessHandle.current().pid());
            long interval = 1_000_000_000L / rate;
            long start = System.nanoTime();
            long stopBy = start + (long) (seconds * 1.5e9);
            int written = 0;
            while (written < expected) {
                long due = start + written * interval;
                long now = System.nanoTime();
                if (now < due) {
                    LockSupport.parkNanos(due - now);
                    continue;
                }
                if (now > stopBy) {
                    break; // the writer itself cannot keep the rate; report what it wrote
                }
                committed[written] = source.write(id, written);
                written++;
            }
            long end = System.nanoTime();
            long deadline = end + GRACE_NANOS;
            long want = (long) written * measuredClients;
            while (System.nanoTime() < deadline && run.count.sum() < want) {
                LockSupport.parkNanos(10_000_000L);
            }
            long now = System.nanoTime();
            double wall = (now - start) / 1e9;
            long serverCpu1 = target.isRelay() ? -1 : ProcessProbe.cpuNanos(target.pid);
            long selfCpu1 = ProcessProbe.cpuNanos(ProcessHandle.current().pid());
            // Frames arriving after this are no longer recorded for this run, only counted as stale.
            SocketClients.Run after = clients.start(-1, 0);
            Measurement m = Measurement.of(run, committed, written, measuredClients, start, end, deadline,
                    serverCpu0 < 0 || serverCpu1 < 0 ? Double.NaN : (serverCpu1 - serverCpu0) / 1e7 / wall,
                    (selfCpu1 - selfCpu0) / 1e7 / wall, clients.closes());
            drain(after, drainSeconds);
            return m;
        }
    }

    /** Waits until no frame of the run arrived for half a second, or the limit passed. */
    private static void drain(SocketClients.Run run, int limitSeconds) {
        long limit = System.nanoTime() + limitSeconds * 1_000_000_000L;
        long seen = run.stale.get();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < limit) {
            LockSupport.parkNanos(100_000_000L);
            long now = run.stale.get();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince > 500_000_000L) {
                return;
            }
        }
    }

    // ---- Target.Settings

    @Override
    public Path ear() {
        return Path.of(required("plank.ear"));
    }

    @Override
    public Path serverHome(ServerKind kind) {
        return Path.of(required("plank." + kind.id() + ".home"));
    }

    @Override
    public Path workDir() {
        Path dir = Path.of(System.getProperty("plank.work.dir", "target/e2e-runs"));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("Could not create " + dir, e);
        }
        return dir;
    }

    @Override
    public int relayThreads() {
        return Integer.getInteger("plank.bench.relay-threads", 2);
    }

    /**
     * {@code plank.bench.env.payara=K=V;K=V} adds environment variables (e.g. JAVA_OPTS for WildFly) to the servers of that
     * kind; {@code plank.bench.env.NAME} to the target of that name.
     */
    @Override
    public Map<String, String> serverEnvironment(String kindOrName) {
        String spec = System.getProperty("plank.bench.env." + kindOrName, "");
        var env = new java.util.HashMap<String, String>();
        for (String pair : spec.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                env.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return env;
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("System property " + property + " is not set (run through the e2e profile)");
        }
        return value;
    }

}
