package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code /api/metrics} as a Prometheus scraper reads it: every line is valid text format (0.0.4), and after a client
 * subscribes and rows change, the series say so: per-table changes, frames and a latency histogram whose buckets
 * count the frames, sessions, the listener's state, and the REST requests made.
 */
@ExtendWith(PlankExtension.class)
class MetricsIT {

    /** {@code name{labels} value}: a sample line of Prometheus's text format. */
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*})? (-?[0-9.eE+-]+|NaN|[+-]Inf)");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*");

    @Test
    void aScraperReadsEverySeriesAfterChangesFlow(RunningPlank plank) throws Exception {
        var api = new Api(plank);
        try (Connection db = plank.connect(); var client = SocketClient.subscribedTo(plank, "items")) {
            api.createItem("metered", 1);
            long end = LoggedChanges.insertSentinel(db);
            client.takeUntil("the sentinel", Delivery.itemsChangeFrom(end));

            HttpResponse<String> response = Api.send(java.net.http.HttpRequest.newBuilder(plank.api("/metrics")).GET());
            assertEquals(200, response.statusCode());
            String type = response.headers().firstValue("Content-Type").orElse("").replace(" ", "");
            assertTrue(type.startsWith("text/plain;") && type.contains(";version=0.0.4"), "Prometheus's text format 0.0.4: " + type);
            Map<String, Double> samples = parse(response.body());

            assertTrue(samples.get(series("plank_table_changes_total", "table", "items", "mode", "durable")) >= 2, "items' changes: " + samples);
            double frames = samples.get(series("plank_table_frames_queued_total", "table", "items", "mode", "durable"));
            assertTrue(frames >= 2, "items' frames");
            double sent = samples.get(series("plank_table_delivery_latency_seconds_count", "table", "items", "mode", "durable"));
            assertTrue(sent >= 2, "frames timed: " + sent);
            assertEquals(sent, samples.get(series("plank_table_delivery_latency_seconds_bucket", "table", "items", "mode", "durable", "le", "+Inf")),
                    "the +Inf bucket counts every frame");
            List<Double> buckets = samples.entrySet().stream()
                    .filter(sample -> sample.getKey().startsWith("plank_table_delivery_latency_seconds_bucket{") && sample.getKey().contains("table=items"))
                    .map(Map.Entry::getValue).sorted().toList();
            assertEquals(15, buckets.size(), "14 bounds and +Inf");
            assertTrue(buckets.get(0) >= 0 && buckets.get(14) == sent, "cumulative counts up to every frame: " + buckets);
            assertTrue(samples.get(series("plank_table_subscribers", "table", "items", "mode", "durable")) >= 1);
            assertTrue(samples.get(series("plank_sessions_open")) >= 1);
            assertEquals(1.0, samples.get(series("plank_listener_state", "state", "LISTENING")));
            assertTrue(samples.get(series("plank_change_log_newest_seq")) >= end);
            assertTrue(samples.get(series("plank_http_requests_total", "resource", "items", "method", "POST", "status", "201")) >= 1,
                    "the POST above is counted: " + samples.keySet().stream().filter(key -> key.startsWith("plank_http")).toList());
        }
    }

    /** A series' key in {@link #parse}'s map: the name, then the labels sorted by name. */
    private static String series(String name, String... labels) {
        var pairs = new TreeMap<String, String>();
        for (int i = 0; i < labels.length; i += 2) {
            pairs.put(labels[i], labels[i + 1]);
        }
        return name + pairs;
    }

    /** Every line a comment, a sample or empty; the samples by {@link #series} key. */
    private static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || COMMENT.matcher(line).matches()) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            assertTrue(sample.matches(), "a valid sample line: " + line);
            String value = sample.group(3);
            var pairs = new TreeMap<String, String>();
            Matcher label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(sample.group(2) == null ? "" : sample.group(2));
            while (label.find()) {
                pairs.put(label.group(1), label.group(2));
            }
            samples.put(sample.group(1) + pairs,
                    value.endsWith("Inf") ? (value.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY) : Double.parseDouble(value));
        }
        return samples;
    }
}
