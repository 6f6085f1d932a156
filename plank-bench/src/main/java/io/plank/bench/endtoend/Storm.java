package io.plank.bench.endtoend;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reconnect storm: N clients subscribed to {@code items} (half plain, half with {@code ?batch=true}), one writer
 * at a steady rate throughout. After the warm-up every connection is dropped at once ({@link ResumingClients#dropAll}),
 * then every client reconnects at once and resumes with {@code since}. A client has caught up once it holds the change
 * that was newest at the drop and a change written after its new {@code subscribed} answer; one that has not by the
 * deadline is stuck. At the end every client's changes are checked against what was written: a change missing below
 * the last one it read is lost, one read twice (or a seq not above the one before) repeated.
 */
final class Storm {

    private static final Pattern THROWABLE = Pattern.compile("\\b([A-Za-z_$][\\w$]*\\.)+[A-Z][\\w$]*(Exception|Error)\\b");

    private final Target target;
    private final int clients;
    private final int rate;
    private final int warmUpSeconds;
    private final int deadlineSeconds;
    private final int clientThreads;
    private final int run;
    private final int capacity;
    private final long[] startedAt;
    /** Where to record the server with JFR from the drop to the end of the storm; null: no recording. */
    private final Path jfr;
    private volatile int written;
    private volatile boolean stopWriting;

    Storm(Target target, int clients, int rate, int warmUpSeconds, int deadlineSeconds, int clientThreads, int run, Path jfr) {
        this.target = target;
        this.clients = clients;
        this.rate = rate;
        this.warmUpSeconds = warmUpSeconds;
        this.deadlineSeconds = deadlineSeconds;
        this.clientThreads = clientThreads;
        this.run = run;
        this.jfr = jfr;
        this.capacity = rate * (warmUpSeconds + deadlineSeconds + 15);
        this.startedAt = new long[capacity];
    }

    /** What one half of the clients saw, as one line of text. */
    record Half(String name, String text, int stuck) {
    }

    /** Runs the storm, printing its progress to {@code out}; returns the plain half's and the batching half's results. */
    List<Half> run(Consumer<String> out) throws Exception {
        long logFrom = logSize();
        ExecutorService writerThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "storm-writer"));
        try (ChangeSource source = target.openWriter(); var group = new ResumingClients(clientThreads, run, capacity)) {
            source.prepare();
            var uris = new ArrayList<URI>();
            for (int i = 0; i < clients; i++) {
                uris.add(i % 2 == 0 ? target.webSocket : batching(target.webSocket));
            }
            group.open(uris, 250, TimeUnit.SECONDS.toNanos(60));
            Future<?> writer = writerThread.submit(() -> write(source));
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(warmUpSeconds));
            int dropNewest = written - 1;
            long live = group.clients().stream().filter(c -> c.received[Math.max(0, dropNewest - rate)] != 0).count();
            out.accept(String.format("  %d clients subscribed, %d changes written at %d/s; %d clients had the change of 1 s "
                    + "before the drop; dropping all", clients, dropNewest + 1, rate, live));

            long serverCpu0 = target.pid > 0 ? ProcessProbe.cpuNanos(target.pid) : -1;
            long selfCpu0 = ProcessProbe.cpuNanos(ProcessHandle.current().pid());
            if (jfr != null) {
                ProcessProbe.startRecording(target.pid, jfr);
            }
            long dropped = System.nanoTime();
            group.dropAll();
            long reconnect = System.nanoTime();
            group.reconnectAll();
            long deadline = reconnect + TimeUnit.SECONDS.toNanos(deadlineSeconds);
            long nextReport = reconnect + TimeUnit.SECONDS.toNanos(5);
            int caughtUp = 0;
            while (caughtUp < clients && System.nanoTime() < deadline && !writer.isDone()) {
                LockSupport.parkNanos(50_000_000L);
                caughtUp = checkCaughtUp(group.clients(), dropNewest);
                if (System.nanoTime() > nextReport) {
                    nextReport += TimeUnit.SECONDS.toNanos(5);
                    out.accept(String.format("  +%4.1f s: %d of %d resubscribed, %d caught up; refused %d; load %s",
                            (System.nanoTime() - reconnect) / 1e9, group.clients().stream().filter(c -> c.resubscribedAt != 0).count(),
                            clients, caughtUp, total(group.refused), ProcessProbe.loadAverage()));
                }
            }
            long stormEnd = System.nanoTime();
            double wall = (stormEnd - dropped) / 1e9;
            long serverCpu1 = target.pid > 0 ? ProcessProbe.cpuNanos(target.pid) : -1;
            long selfCpu1 = ProcessProbe.cpuNanos(ProcessHandle.current().pid());
            if (jfr != null) {
                ProcessProbe.stopRecording(target.pid);
                out.accept("  JFR recording of the server from the drop: " + jfr);
            }

            // One more second of writing, then what every client that caught up should hold: every change written.
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            stopWriting = true;
            writer.get(10, TimeUnit.SECONDS);
            int last = written - 1;
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < settle
                    && group.clients().stream().anyMatch(c -> c.caughtUpAt != 0 && c.received[last] == 0)) {
                LockSupport.parkNanos(50_000_000L);
            }

            out.accept(String.format("  drop to end of storm %.1f s; CPU: server %.0f%%, this JVM (clients, writer) %.0f%% "
                            + "(of one core); load %s", wall, serverCpu0 < 0 ? Double.NaN : (serverCpu1 - serverCpu0) / 1e7 / wall,
                    (selfCpu1 - selfCpu0) / 1e7 / wall, ProcessProbe.loadAverage()));
            long quietSince = System.nanoTime() - TimeUnit.SECONDS.toNanos(5);
            var halves = List.of(half("plain", group, 0, reconnect, quietSince), half("batch", group, 1, reconnect, quietSince));
            halves.forEach(h -> out.accept("  " + h.name() + ": " + h.text()));
            out.accept("  refused attempts (both halves): " + counts(group.refused)
                    + "; connections ended after resubscribing: " + counts(group.endedAfterSubscribing)
                    + (group.unexpected.isEmpty() ? "" : "; UNEXPECTED: " + counts(group.unexpected)));
            int stuck = halves.stream().mapToInt(Half::stuck).sum();
            if (stuck > 0) {
                out.accept("  *** " + stuck + " of " + clients + " clients SILENTLY STUCK: not caught up " + deadlineSeconds
                        + " s after reconnecting ***");
                group.clients().stream().filter(c -> c.caughtUpAt == 0).limit(5).forEach(c -> out.accept(String.format(
                        "      client %d (%s): resubscribed %s, last seq %d, attempts %d, has the newest at the drop: %s, "
                                + "missing at the end %d of %d", c.index, c.uri.getQuery() == null ? "plain" : c.uri.getQuery(),
                        c.resubscribedAt == 0 ? "never" : String.format("at +%.1f s", (c.resubscribedAt - reconnect) / 1e9),
                        c.lastSeq, c.attempts, c.received[dropNewest] != 0, c.missing(last + 1)[0] + c.missing(last + 1)[1],
                        last + 1)));
            }
            out.accept("  server log during the storm: " + logged(logFrom));
            return halves;
        } finally {
            stopWriting = true;
            writerThread.shutdownNow();
        }
    }

    /** The writer: change k at start + k / rate, until told to stop or the clients' record is full. */
    private Void write(ChangeSource source) throws Exception {
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (int k = 0; k < capacity && !stopWriting; k++) {
            long due = start + k * interval;
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(due - now);
            }
            startedAt[k] = now;
            source.write(run, k);
            written = k + 1;
        }
        return null;
    }

    /**
     * Marks the clients that now hold the newest change at the drop and the first change whose write began after their
     * latest subscribed answer; returns how many have caught up.
     */
    private int checkCaughtUp(List<ResumingClients.Client> all, int dropNewest) {
        int count = 0;
        int known = written;
        for (ResumingClients.Client c : all) {
            if (c.caughtUpAt == 0 && c.resubscribedAt != 0 && c.received[dropNewest] != 0) {
                long subscribed = c.subscribedAt;
                int after = firstStartedAfter(subscribed, known);
                if (after < known && c.received[after] != 0) {
                    c.caughtUpAt = Math.max(c.received[dropNewest], c.received[after]);
                }
            }
            if (c.caughtUpAt != 0) {
                count++;
            }
        }
        return count;
    }

    private int firstStartedAfter(long instant, int known) {
        int low = 0;
        int high = known;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (startedAt[mid] > instant) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low;
    }

    private Half half(String name, ResumingClients group, int parity, long reconnect, long quietSince) {
        int writtenAtEnd = written;
        var members = group.clients().stream().filter(c -> c.index % 2 == parity).toList();
        double[] resubscribed = members.stream().filter(c -> c.resubscribedAt != 0)
                .mapToDouble(c -> (c.resubscribedAt - reconnect) / 1e9).sorted().toArray();
        double[] caughtUp = members.stream().filter(c -> c.caughtUpAt != 0)
                .mapToDouble(c -> (c.caughtUpAt - reconnect) / 1e9).sorted().toArray();
        int lost = 0;
        int clientsWithGaps = 0;
        int behindAtEnd = 0;
        for (var c : members) {
            int[] missing = c.missing(writtenAtEnd);
            lost += missing[0];
            clientsWithGaps += missing[0] > 0 ? 1 : 0;
            behindAtEnd += c.caughtUpAt != 0 && missing[1] > 0 ? 1 : 0;
        }
        int repeated = members.stream().mapToInt(c -> c.repeatedChanges).sum();
        int notAscending = members.stream().mapToInt(c -> c.seqNotAscending).sum();
        int resets = members.stream().mapToInt(c -> c.resets).sum();
        int attempts = members.stream().mapToInt(c -> c.attempts).sum();
        int stuck = members.size() - caughtUp.length;
        long silent = members.stream().filter(c -> c.caughtUpAt == 0 && c.lastReadAt < quietSince).count();
        String text = String.format("%d clients; all resubscribed %s (p50 %s); last caught up %s (p50 %s, p99 %s); "
                        + "%d attempts for %d reconnects; lost %d changes (%d clients), repeated %d, seq not ascending %d, "
                        + "resets %d%s; %s",
                members.size(), resubscribed.length == members.size() ? seconds(resubscribed, 1.0) : "NOT (" + resubscribed.length + ")",
                seconds(resubscribed, 0.5), caughtUp.length == members.size() ? seconds(caughtUp, 1.0) : "-",
                seconds(caughtUp, 0.5), seconds(caughtUp, 0.99), attempts, members.size(), lost, clientsWithGaps, repeated,
                notAscending, resets, behindAtEnd > 0 ? ", " + behindAtEnd + " caught up but behind at the end" : "",
                stuck == 0 ? "stuck 0" : "**STUCK " + stuck + "** (" + silent + " of them read nothing in the last 5 s, the "
                        + "others were still reading, behind)");
        return new Half(name, text, stuck);
    }

    private static String seconds(double[] sorted, double quantile) {
        if (sorted.length == 0) {
            return "-";
        }
        int index = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1));
        return String.format("%.1f s", sorted[index]);
    }

    private static URI batching(URI uri) {
        String s = uri.toString();
        return URI.create(s + (s.contains("?") ? "&" : "?") + "batch=true");
    }

    private static long total(Map<String, LongAdder> counts) {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private static String counts(Map<String, LongAdder> counts) {
        if (counts.isEmpty()) {
            return "none";
        }
        var sorted = new TreeMap<String, Long>();
        counts.forEach((k, v) -> sorted.put(k, v.sum()));
        return total(counts) + " [" + String.join(", ", sorted.entrySet().stream().map(e -> e.getKey() + " x" + e.getValue()).toList()) + "]";
    }

    private long logSize() {
        try {
            return target.log == null || !Files.exists(target.log) ? 0 : Files.size(target.log);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The exception classes named in what the server logged since {@code from}, most frequent first. */
    private String logged(long from) {
        if (target.log == null || !Files.exists(target.log)) {
            return "no log";
        }
        try (var file = new RandomAccessFile(target.log.toFile(), "r")) {
            long length = file.length();
            if (length < from) {
                from = 0; // rotated
            }
            byte[] bytes = new byte[(int) Math.min(length - from, 64L << 20)];
            file.seek(from);
            file.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            var named = new TreeMap<String, Integer>();
            Matcher m = THROWABLE.matcher(text);
            while (m.find()) {
                named.merge(m.group().substring(m.group().lastIndexOf('.') + 1), 1, Integer::sum);
            }
            long lines = text.lines().count();
            long severe = text.lines().filter(l -> l.contains("[SEVERE]") || l.contains(" ERROR ")).count();
            long descriptors = text.lines().filter(l -> l.contains("Too many open files")).count();
            return lines + " lines, " + severe + " SEVERE/ERROR" + (descriptors > 0 ? ", " + descriptors + " 'Too many open files'" : "") + (named.isEmpty() ? ", no exception named" : ", exceptions named: " + String.join(", ",
                    named.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(8)
                            .map(e -> e.getKey() + " x" + e.getValue()).toList())) + " (" + target.log + ")";
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }
}
