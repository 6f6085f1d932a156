package io.plank.systemtests;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;

/**
 * Judges what clients received of {@code items} against what the database committed: every logged change in a
 * window exactly once, each connection in ascending seq order, each row's versions in order with none missing,
 * ending at the version the row has in {@code items}.
 */
final class Delivery {

    private static final Logger LOG = Logger.getLogger(Delivery.class.getName());
    private static final int SHOWN = 15;

    private Delivery() {
    }

    /** A change frame of {@code items}. */
    static boolean isItemsChange(JsonObject frame) {
        return "change".equals(frame.getString("type", null)) && "items".equals(frame.getString("table", null));
    }

    /** The {@code seq} of a change or {@code subscribed} frame; fails if it has none. */
    static long seq(JsonObject frame) {
        if (!(frame.get("seq") instanceof JsonNumber number) || !number.isIntegral()) {
            throw new AssertionError("Frame without a whole-number seq: " + frame);
        }
        return number.longValueExact();
    }

    /** A change frame of {@code items} at or after {@code seq}. */
    static Predicate<JsonObject> itemsChangeFrom(long seq) {
        return frame -> isItemsChange(frame) && seq(frame) >= seq;
    }

    /** The {@code n}th change frame of {@code items} from now on. */
    static Predicate<JsonObject> nthItemsChange(int n) {
        int[] seen = {0};
        return frame -> isItemsChange(frame) && ++seen[0] >= n;
    }

    /** The seq a client resumes from: its last change's, or the {@code subscribed} answer's if no change came. */
    static long resumePoint(long subscribedSeq, List<JsonObject> frames) {
        long last = subscribedSeq;
        for (JsonObject frame : frames) {
            if (isItemsChange(frame)) {
                last = Math.max(last, seq(frame));
            }
        }
        return last;
    }

    /**
     * Asserts that the connections together received every change of {@code items} logged with
     * {@code after < seq <= through} exactly once, each connection in ascending seq order, and that every write in
     * {@code acknowledged} is in the log.
     *
     * @param connections the frames each connection received, in arrival order
     */
    static void assertExactlyOnce(Connection db, long after, long through, List<List<JsonObject>> connections,
                                  List<Writers.Write> acknowledged) throws SQLException {
        for (int i = 0; i < connections.size(); i++) {
            assertAscending("connection " + (i + 1), connections.get(i));
        }

        Map<Long, JsonObject> received = new TreeMap<>();
        List<Long> duplicates = new ArrayList<>();
        for (List<JsonObject> frames : connections) {
            for (JsonObject frame : frames) {
                if (isItemsChange(frame) && seq(frame) > after && seq(frame) <= through
                        && received.put(seq(frame), frame) != null) {
                    duplicates.add(seq(frame));
                }
            }
        }
        if (!duplicates.isEmpty()) {
            throw new AssertionError(duplicates.size() + " changes received twice, seqs " + first(duplicates));
        }

        List<LoggedChanges.Entry> logged = LoggedChanges.between(db, after, through);
        Set<Long> loggedSeqs = logged.stream().map(LoggedChanges.Entry::seq).collect(Collectors.toSet());
        List<Long> missing = logged.stream().map(LoggedChanges.Entry::seq).filter(seq -> !received.containsKey(seq)).toList();
        List<Long> unlogged = received.keySet().stream().filter(seq -> !loggedSeqs.contains(seq)).toList();
        if (!missing.isEmpty() || !unlogged.isEmpty()) {
            List<LoggedChanges.Entry> missed = logged.stream().filter(entry -> !received.containsKey(entry.seq())).toList();
            throw new AssertionError("Seqs in (" + after + ", " + through + "]: " + logged.size() + " logged, "
                    + received.size() + " received; " + missing.size() + " logged but never received " + first(missed)
                    + ", " + unlogged.size() + " received but not in plank.change_log " + first(unlogged)
                    + "; the connections received " + ranges(connections));
        }

        Map<Long, List<LoggedChanges.Entry>> byRow = new HashMap<>();
        for (LoggedChanges.Entry entry : logged) {
            JsonObject frame = received.get(entry.seq());
            long id = frame.getJsonNumber("id").longValue();
            int version = frame.getJsonObject("data").getInt("version");
            if (!entry.action().equals(frame.getString("action")) || entry.id() != id || entry.version() != version) {
                throw new AssertionError("Frame for seq " + entry.seq() + " says " + frame.getString("action") + " of row " + id
                        + " at version " + version + ", the log " + entry);
            }
            byRow.computeIfAbsent(id, row -> new ArrayList<>()).add(entry);
        }
        assertRowsInOrder(db, byRow);
        assertAcknowledgedLogged(db, acknowledged, through);
        LOG.info(() -> logged.size() + " changes of " + byRow.size() + " rows in (" + after + ", " + through
                + "] received exactly once over " + connections.size() + " connection(s)");
    }

    /** A client that resumed after {@code since} was sent nothing it already had. */
    static void assertNothingUpTo(String who, long since, List<JsonObject> frames) {
        List<Long> old = frames.stream().filter(Delivery::isItemsChange).map(Delivery::seq).filter(seq -> seq <= since).toList();
        if (!old.isEmpty()) {
            throw new AssertionError(who + " resumed after seq " + since + " but was sent " + old.size()
                    + " changes it already had, seqs " + first(old));
        }
    }

    /** Change frames of {@code items} in strictly ascending seq order: nothing repeated, nothing out of order. */
    static void assertAscending(String who, List<JsonObject> frames) {
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < frames.size(); i++) {
            JsonObject frame = frames.get(i);
            if (!isItemsChange(frame)) {
                continue;
            }
            long seq = seq(frame);
            if (seq <= previous) {
                throw new AssertionError(who + ": seq " + seq + " arrived after seq " + previous + " (frame " + i + " of "
                        + frames.size() + ": " + frame + ")");
            }
            previous = seq;
        }
    }

    /** Each row's changes, in seq order, step through its versions one by one and end at the version it has now. */
    private static void assertRowsInOrder(Connection db, Map<Long, List<LoggedChanges.Entry>> byRow) throws SQLException {
        Map<Long, Integer> now = LoggedChanges.versions(db, byRow.keySet());
        for (var row : byRow.entrySet()) {
            List<LoggedChanges.Entry> changes = row.getValue();
            for (int i = 0; i < changes.size(); i++) {
                LoggedChanges.Entry change = changes.get(i);
                boolean inOrder = i == 0 ? !change.action().equals("INSERT") || change.version() == 0
                        : change.version() == changes.get(i - 1).version() + 1;
                if (!inOrder) {
                    throw new AssertionError("Row " + row.getKey() + " received out of order or with a version missing: " + changes);
                }
            }
            Integer current = now.get(row.getKey());
            int last = changes.get(changes.size() - 1).version();
            if (current == null || current != last) {
                throw new AssertionError("Row " + row.getKey() + " is at version " + current + " in items, the last change received "
                        + "leaves it at " + last + ": " + changes);
            }
        }
    }

    /** Every write whose commit returned is in the log: the log, which the frames were checked against, is complete. */
    private static void assertAcknowledgedLogged(Connection db, List<Writers.Write> acknowledged, long through) throws SQLException {
        if (acknowledged.isEmpty()) {
            return;
        }
        Set<Long> ids = acknowledged.stream().map(Writers.Write::id).collect(Collectors.toSet());
        Set<Writers.Write> logged = new HashSet<>();
        for (LoggedChanges.Entry entry : LoggedChanges.ofRows(db, ids)) {
            if (entry.seq() <= through) {
                logged.add(new Writers.Write(entry.id(), entry.version()));
            }
        }
        List<Writers.Write> notLogged = acknowledged.stream().filter(write -> !logged.contains(write)).toList();
        if (!notLogged.isEmpty()) {
            throw new AssertionError(notLogged.size() + " of " + acknowledged.size() + " acknowledged writes are not in "
                    + "plank.change_log: " + first(notLogged));
        }
    }

    /** For each connection: how many changes, from which seq to which. */
    private static String ranges(List<List<JsonObject>> connections) {
        List<String> ranges = new ArrayList<>();
        for (List<JsonObject> frames : connections) {
            List<Long> seqs = frames.stream().filter(Delivery::isItemsChange).map(Delivery::seq).toList();
            ranges.add(seqs.isEmpty() ? "nothing" : seqs.size() + " changes, seqs " + seqs.get(0) + ".." + seqs.get(seqs.size() - 1));
        }
        return String.join("; ", ranges);
    }

    private static <T> String first(List<T> values) {
        return values.size() <= SHOWN ? values.toString() : values.subList(0, SHOWN) + " ...";
    }
}
