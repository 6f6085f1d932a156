package io.plank.bench.endtoend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the benchmark reads about a JVM from outside: CPU time from /proc, live heap and JFR through jcmd. */
final class ProcessProbe {

    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

    private ProcessProbe() {
    }

    /** User + system CPU time of {@code pid} in nanoseconds, or -1 when it cannot be read. */
    static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks * (1_000_000_000L / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** Bytes of live objects after the full GC that {@code GC.class_histogram} runs first. */
    static long liveHeapBytes(long pid) {
        List<String> lines = jcmd(pid, "GC.class_histogram");
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i).trim();
            if (line.startsWith("Total")) {
                String[] parts = line.split("\\s+");
                return Long.parseLong(parts[2]);
            }
        }
        throw new IllegalStateException("No total in the class histogram of " + pid + ": " + lines);
    }

    /** Bytes of live objects by class (after a full GC). */
    static java.util.Map<String, Long> liveHeapByClass(long pid) {
        var bytes = new java.util.HashMap<String, Long>();
        for (String line : jcmd(pid, "GC.class_histogram")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length >= 4 && parts[0].endsWith(":")) {
                bytes.merge(parts[3], Long.parseLong(parts[2]), Long::sum);
            }
        }
        return bytes;
    }

    static void startRecording(long pid, Path file) {
        jcmd(pid, "JFR.start", "name=e2e", "settings=profile", "filename=" + file.toAbsolutePath());
    }

    static void stopRecording(long pid) {
        jcmd(pid, "JFR.stop", "name=e2e");
    }

    static List<String> jcmd(long pid, String... command) {
        var line = new ArrayList<String>();
        line.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        line.add(Long.toString(pid));
        line.addAll(List.of(command));
        try {
            Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
            List<String> out = new String(process.getInputStream().readAllBytes()).lines().toList();
            if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", line) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", line) + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
