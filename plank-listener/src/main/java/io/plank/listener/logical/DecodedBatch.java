package io.plank.listener.logical;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;

/**
 * Decoded changes waiting to be logged, as the JSON array {@code plank.log_decoded} takes (see V6__logical_capture.sql):
 * column values stay pgoutput's text, so that PostgreSQL, not Java, turns them into typed JSON exactly as the trigger's
 * {@code to_jsonb(NEW)} does. Holds whole transactions only once they are committed; a transaction in progress is
 * {@link #pending()} and either committed into the batch or dropped.
 */
final class DecodedBatch {

    private static final Instant POSTGRES_EPOCH = Instant.parse("2000-01-01T00:00:00Z");
    private static final int JSON = 114;
    private static final int JSONB = 3802;

    private final Map<Integer, PgOutput.Relation> relations = new HashMap<>();
    /**
     * How often each relation was announced: pgoutput announces a relation again after its columns changed, so
     * {@code relation.version} names the columns a change was written with (its shape, see V9).
     */
    private final Map<Integer, Integer> versions = new HashMap<>();
    /** The shapes the batch's changes name: {@code "relation.version"} to {@code {"column": type id}}. */
    private final Map<String, String> shapes = new HashMap<>();
    private final StringBuilder committed = new StringBuilder("[");
    private final StringBuilder open = new StringBuilder();
    private int committedChanges;
    private int openChanges;
    private PgOutput.Begin transaction;
    private long commitLsn;
    private long endLsn;

    void relation(PgOutput.Relation relation) {
        relations.put(relation.id(), relation);
        versions.merge(relation.id(), 1, Integer::sum);
    }

    void begin(PgOutput.Begin begin) {
        transaction = begin;
        open.setLength(0);
        openChanges = 0;
    }

    boolean pending() {
        return transaction != null;
    }

    void change(PgOutput.Change change) {
        var relation = start(change.relation(), change.action());
        if (change.row() != null) {
            row(open.append(",\"new\":"), relation, change.row(), change.old());
        }
        if (change.old() != null) {
            row(open.append(",\"old\":"), relation, change.old(), null);
        }
        open.append('}');
        openChanges++;
    }

    /** One change per table emptied, without rows, in the message's place in the transaction. */
    void truncate(PgOutput.Truncate truncate) {
        for (int relation : truncate.relations()) {
            start(relation, "TRUNCATE");
            open.append('}');
            openChanges++;
        }
    }

    /** Opens a change's element with the fields every change has, and leaves it open for its rows. */
    private PgOutput.Relation start(int id, String action) {
        var relation = relations.get(id);
        if (relation == null || transaction == null) {
            throw new IllegalStateException("pgoutput sent a change outside a transaction or of an unannounced relation");
        }
        String at = POSTGRES_EPOCH.plus(transaction.commitMicros(), ChronoUnit.MICROS).toString();
        open.append(open.isEmpty() && committedChanges == 0 ? "" : ",")
                .append("{\"rel\":").append(Integer.toUnsignedLong(relation.id()))
                .append(",\"action\":\"").append(action)
                .append("\",\"shape\":\"").append(shape(relation))
                .append("\",\"xid\":").append(transaction.xid())
                .append(",\"at\":\"").append(at).append('"');
        return relation;
    }

    /** The open transaction joins the batch. */
    void commit(PgOutput.Commit commit) {
        committed.append(open);
        committedChanges += openChanges;
        commitLsn = commit.commitLsn();
        endLsn = commit.endLsn();
        transaction = null;
        open.setLength(0);
        openChanges = 0;
    }

    /** The open transaction is not logged (it was logged before a restart). */
    void skip(PgOutput.Commit commit) {
        transaction = null;
        open.setLength(0);
        openChanges = 0;
        endLsn = Math.max(endLsn, commit.endLsn());
    }

    int changes() {
        return committedChanges;
    }

    int chars() {
        return committed.length() + open.length();
    }

    String json() {
        return committed + "]";
    }

    /** The shapes the batch's changes name, as {@code plank.log_decoded} takes them. */
    String shapesJson() {
        var json = new StringBuilder("{");
        shapes.forEach((key, columns) -> json.append(json.length() > 1 ? "," : "").append('"').append(key).append("\":").append(columns));
        return json.append('}').toString();
    }

    private String shape(PgOutput.Relation relation) {
        String key = Integer.toUnsignedLong(relation.id()) + "." + versions.getOrDefault(relation.id(), 0);
        shapes.computeIfAbsent(key, unused -> {
            var columns = new StringBuilder("{");
            for (PgOutput.Column column : relation.columns()) {
                string(columns.append(columns.length() > 1 ? "," : ""), column.name()).append(':').append(Integer.toUnsignedLong(column.typeOid()));
            }
            return columns.append('}').toString();
        });
        return key;
    }

    /** The commit LSN of the last transaction in the batch (0 if none): at or below it, nothing is logged twice. */
    long commitLsn() {
        return commitLsn;
    }

    /** Where the server may resume once the batch is logged. */
    long endLsn() {
        return endLsn;
    }

    /** Empties the batch after it was logged; relations are kept, pgoutput announces each once per session. */
    void clear() {
        committed.setLength(1);
        committedChanges = 0;
    }

    private static void row(StringBuilder json, PgOutput.Relation relation, String[] values, String[] old) {
        json.append('{');
        boolean first = true;
        for (int i = 0; i < values.length && i < relation.columns().size(); i++) {
            String value = values[i];
            if (value == PgOutput.UNCHANGED) {
                // Not sent because an UPDATE left it as it was: REPLICA IDENTITY FULL sent it with the old row.
                value = old != null && i < old.length && old[i] != PgOutput.UNCHANGED ? old[i] : null;
                if (value == null) {
                    continue;
                }
            }
            var column = relation.columns().get(i);
            json.append(first ? "" : ",");
            first = false;
            string(json, column.name()).append(':');
            if (value == null) {
                json.append("null");
            } else if (column.typeOid() == JSON || column.typeOid() == JSONB) {
                json.append(value);
            } else {
                string(json, value);
            }
        }
        json.append('}');
    }

    private static StringBuilder string(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }
}
