package io.plank.web.incontainer;

import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.json.Json;
import jakarta.json.JsonObject;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;

/** Part of the test deployment: remembers every {@link ChangeEvent} fired in the application, for tests to wait on. */
@ApplicationScoped
public class ChangeRecorder {

    private final List<ChangeEvent> changes = new ArrayList<>();

    synchronized void record(@Observes ChangeEvent change) {
        changes.add(change);
        notifyAll();
    }

    /** Waits until a change of {@code table} with {@code action} on the row with {@code key} has been fired. */
    public ChangeEvent await(String table, Action action, String key, Duration within) throws InterruptedException {
        return await(change -> change.table().equals(table) && change.action() == action && key.equals(change.key()),
                action + " of " + table + " " + key, within);
    }

    public synchronized ChangeEvent await(Predicate<ChangeEvent> match, String description, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            for (ChangeEvent change : changes) {
                if (match.test(change)) {
                    return change;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("No ChangeEvent for " + description + " within " + within
                        + "; the last ones were " + changes.subList(Math.max(0, changes.size() - 5), changes.size()));
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    public synchronized List<ChangeEvent> matching(Predicate<ChangeEvent> match) {
        return changes.stream().filter(match).toList();
    }

    /** The change's row, parsed. */
    public static JsonObject row(ChangeEvent change) {
        try (var reader = Json.createReader(new StringReader(change.row()))) {
            return reader.readObject();
        }
    }
}
