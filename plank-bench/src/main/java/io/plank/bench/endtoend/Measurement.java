package io.plank.bench.endtoend;

import java.util.Arrays;

/**
 * One run of one scenario against one target. Latency is commit acknowledged to the frame read by the client (both
 * {@link System#nanoTime()} in this JVM); only frames read by the deadline (end of writing + grace) count as
 * delivered. Throughput counts the frames read while the writer was writing, divided by that time; offered is what
 * the writer wrote in that time times the clients measured, so that a server at its ceiling shows by how much.
 */
record Measurement(double deliveredShare, double messagesPerSecond, double offeredPerSecond, double p50, double p90,
                   double p99, double max, double writesPerSecond, double serverCpu, double generatorCpu, String closes,
                   int stale) {

    static Measurement of(SocketClients.Run run, long[] committed, int written, int measuredClients, long start, long end,
                          long deadline, double serverCpu, double generatorCpu, String closes) {
        long expected = (long) written * measuredClients;
        long[] latencies = new long[(int) Math.min(expected, Integer.MAX_VALUE - 8)];
        int n = 0;
        long inWindow = 0;
        for (int c = 0; c < measuredClients; c++) {
            long[] received = run.received[c];
            for (int k = 0; k < written; k++) {
                long at = received[k];
                if (at == 0 || at > deadline) {
                    continue;
                }
                latencies[n++] = Math.max(0, at - committed[k]);
                if (at <= end) {
                    inWindow++;
                }
            }
        }
        Arrays.sort(latencies, 0, n);
        double seconds = (end - start) / 1e9;
        return new Measurement(expected == 0 ? 0 : (double) n / expected, inWindow / seconds, expected / seconds,
                ms(latencies, n, 0.50), ms(latencies, n, 0.90), ms(latencies, n, 0.99), n == 0 ? Double.NaN : latencies[n - 1] / 1e6,
                written / seconds, serverCpu, generatorCpu, closes, run.stale.get());
    }

    private static double ms(long[] sorted, int n, double quantile) {
        if (n == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(n - 1, Math.ceil(quantile * n) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    Measurement withCloses(String seen) {
        return new Measurement(deliveredShare, messagesPerSecond, offeredPerSecond, p50, p90, p99, max, writesPerSecond, serverCpu, generatorCpu,
                seen, stale);
    }

    String line() {
        return String.format("delivered %6.2f%%  %,9.0f msgs/s of %,9.0f  p50 %8.2f  p90 %8.2f  p99 %8.2f  max %8.2f ms"
                        + "  writes %,6.0f/s  cpu server %4.0f%% gen %4.0f%%  closes %s  stale %d",
                deliveredShare * 100, messagesPerSecond, offeredPerSecond, p50, p90, p99, max, writesPerSecond, serverCpu, generatorCpu, closes, stale);
    }
}
