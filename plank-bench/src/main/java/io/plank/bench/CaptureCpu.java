package io.plank.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import io.plank.testsupport.db.TestDatabase;

/**
 * The CPU that capture's own processes use, to explain a write cost: Plank's PostgreSQL backends of one database
 * (the walsender decoding the slot, the decoder's backend writing the log, the listener's backend reading it), from
 * {@code /proc/PID/stat} (same machine; Linux's 100 ticks a second), and Plank's threads in this JVM by name.
 */
final class CaptureCpu {

    private static final long TICK_MS = 10;

    private CaptureCpu() {
    }

    /** CPU milliseconds so far per part: {@code walsender}, {@code plank-decoder backend}, ..., {@code jvm bench-decoder}. */
    static Map<String, Long> sample(TestDatabase db) {
        Map<String, Long> cpu = new LinkedHashMap<>();
        try (var connection = db.connect(); var statement = connection.createStatement();
             var result = statement.executeQuery("""
                     SELECT pid, CASE WHEN backend_type = 'walsender' THEN 'walsender' ELSE application_name || ' backend' END
                     FROM pg_stat_activity
                     WHERE datname = current_database() AND application_name IN ('plank-decoder', 'plank-listener')""")) {
            while (result.next()) {
                cpu.merge(result.getString(2), backendCpuMs(result.getInt(1)), Long::sum);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        var threads = ManagementFactory.getThreadMXBean();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("bench-")) {
                long nanos = threads.getThreadCpuTime(thread.getId());
                if (nanos > 0) {
                    cpu.merge("jvm " + thread.getName(), nanos / 1_000_000, Long::sum);
                }
            }
        }
        return cpu;
    }

    static Map<String, Long> since(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> used = new LinkedHashMap<>();
        after.forEach((part, ms) -> used.put(part, ms - before.getOrDefault(part, 0L)));
        return used;
    }

    private static long backendCpuMs(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * TICK_MS; // utime, stime
        } catch (IOException | RuntimeException e) {
            return 0; // another machine's server, or the backend ended
        }
    }
}
