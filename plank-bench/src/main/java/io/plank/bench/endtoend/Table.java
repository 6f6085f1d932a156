package io.plank.bench.endtoend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Results by scenario and target, printed as one Markdown row per target x scenario: median (min-max) over the runs. */
final class Table {

    private final Map<String, Map<String, List<Measurement>>> byScenario = new LinkedHashMap<>();
    private final Map<String, Map<String, List<String>>> notes = new LinkedHashMap<>();

    void add(String scenario, String target, Measurement measurement) {
        byScenario.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).computeIfAbsent(target, t -> new ArrayList<>()).add(measurement);
    }

    /** Scenarios that are not a latency run (ceiling, heap) report one figure per run as text. */
    void note(String scenario, String target, String text) {
        notes.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).computeIfAbsent(target, t -> new ArrayList<>()).add(text);
    }

    List<String> rows() {
        var rows = new ArrayList<String>();
        rows.add("| scenario | target | runs | delivered % | msgs/s | offered msgs/s | p50 ms | p90 ms | p99 ms | max ms | server CPU % | generator CPU % | closes |");
        rows.add("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        byScenario.forEach((scenario, targets) -> targets.forEach((target, runs) -> rows.add(String.format(
                "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", scenario, target, runs.size(),
                range(runs, m -> m.deliveredShare() * 100, "%.1f"), range(runs, Measurement::messagesPerSecond, "%,.0f"),
                range(runs, Measurement::offeredPerSecond, "%,.0f"),
                range(runs, Measurement::p50, "%.2f"), range(runs, Measurement::p90, "%.2f"), range(runs, Measurement::p99, "%.1f"),
                range(runs, Measurement::max, "%.0f"), range(runs, Measurement::serverCpu, "%.0f"),
                range(runs, Measurement::generatorCpu, "%.0f"),
                String.join(", ", runs.stream().map(Measurement::closes).distinct().toList())))));
        if (!notes.isEmpty()) {
            rows.add("");
            rows.add("| scenario | target | runs | result (each run) |");
            rows.add("|---|---|---|---|");
            notes.forEach((scenario, targets) -> targets.forEach((target, texts) -> rows.add(
                    "| " + scenario + " | " + target + " | " + texts.size() + " | " + String.join("; ", texts) + " |")));
        }
        return rows;
    }

    static String range(List<Measurement> runs, ToDoubleFunction<Measurement> figure, String format) {
        double[] values = runs.stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (values.length == 0) {
            return "-";
        }
        String median = String.format(format, median(values));
        if (values.length == 1) {
            return median;
        }
        return median + " (" + String.format(format, values[0]) + "-" + String.format(format, values[values.length - 1]) + ")";
    }

    static double median(double[] sorted) {
        double[] values = Arrays.copyOf(sorted, sorted.length);
        Arrays.sort(values);
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
