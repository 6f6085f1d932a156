package io.plank.listener.logical;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decoded changes waiting to be logged, in commit order. A row whose columns are all of plain types is written as
 * JSON here ({@link RowJson}); any other keeps pgoutput's text values, for PostgreSQL to type as the trigger's
 * {@code to_jsonb(NEW)} does ({@link #untypedJson}, {@code plank.typed_decoded_rows}). Holds whole transactions only
 * once they are committed; a transaction in progress is {@link #pending()} and either committed into the batch or
 * dropped.
 */
final class DecodedBatch {

    private static final Instant POSTGRES_EPOCH = Instant.parse("2000-01-01T00:00:00Z");

    /**
     * One change. {@code newRow}, {@code oldRow} and {@code keyRow} (the row the key is read from, as JSON values by
     * column) are set where the batch typed the rows itself; otherwise {@code untyped} holds the change as
     * {@code plank.typed_decoded_rows} takes it, and the writer sets the rows and {@code key} from its answer.
     */
    static final class Change {
        final int relation;
        final String action;
        final long xid;
        final String at;
        PgOutput.Relation columns;
        String[] keyRow;
        String untyped;
        String key;
        String newRow;
        String oldRow;

        Change(int relation, String action, long xid, String at) {
            this.relation = relation;
            this.action = action;
            this.xid = xid;
            this.at = at;
        }

        boolean typed() {
            return untyped == null;
        }
    }

    private final boolean typeRows;
    private final Map<Integer, PgOutput.Relation> relations = new HashMap<>();
    /** Whether each relation's columns are all of types that {@link RowJson} writes. */
    private final Map<Integer, Boolean> plain = new HashMap<>();
    /**
     * How often each relation was announced: pgoutput announces a relation again after its columns changed, so
     * {@code relation.version} names the columns a change was written with (its shape, see V9).
     */
    private final Map<Integer, Integer> versions = new HashMap<>();
    /** The shapes untyped changes name: {@code "relation.version"} to {@code {"column": type id}}. */
    private final Map<String, String> shapes = new HashMap<>();
    private final List<Change> committed = new ArrayList<>();
    private final List<Change> open = new ArrayList<>();
    private int chars;
    private PgOutput.Begin transaction;
    private String at;
    private long commitLsn;
    private long endLsn;

    /** @param typeRows false to leave every row to PostgreSQL, as before V10 (tests compare the two) */
    DecodedBatch(boolean typeRows) {
        this.typeRows = typeRows;
    }

    void relation(PgOutput.Relation relation) {
        relations.put(relation.id(), relation);
        plain.put(relation.id(), typeRows && RowJson.plain(relation));
        versions.merge(relation.id(), 1, Integer::sum);
    }

    void begin(PgOutput.Begin begin) {
        transaction = begin;
        at = POSTGRES_EPOCH.plus(begin.commitMicros(), ChronoUnit.MICROS).toString();
        open.clear();
    }

    boolean pending() {
        return transaction != null;
    }

    void change(PgOutput.Change change) {
        var relation = relation(change.relation());
        var logged = new Change(relation.id(), change.action(), transaction.xid(), at);
        if (plain.get(relation.id()) && complete(change.row(), change.old()) && complete(change.old(), null)) {
            String[] newValues = change.row() == null ? null : values(relation, change.row(), change.old());
            String[] oldValues = change.old() == null ? null : values(relation, change.old(), null);
            logged.columns = relation;
            logged.newRow = row(relation, newValues);
            logged.oldRow = row(relation, oldValues);
            logged.keyRow = newValues != null ? newValues : oldValues;
        } else {
            logged.untyped = untyped(relation, change);
        }
        add(logged);
    }

    /** One change per table emptied, without rows, in the message's place in the transaction. */
    void truncate(PgOutput.Truncate truncate) {
        for (int relation : truncate.relations()) {
            add(new Change(relation(relation).id(), "TRUNCATE", transaction.xid(), at));
        }
    }

    private PgOutput.Relation relation(int id) {
        var relation = relations.get(id);
        if (relation == null || transaction == null) {
            throw new IllegalStateException("pgoutput sent a change outside a transaction or of an unannounced relation");
        }
        return relation;
    }

    private void add(Change change) {
        open.add(change);
        chars += 64 + length(change.newRow) + length(change.oldRow) + length(change.untyped);
    }

    /** The open transaction joins the batch. */
    void commit(PgOutput.Commit commit) {
        committed.addAll(open);
        commitLsn = commit.commitLsn();
        endLsn = commit.endLsn();
        transaction = null;
        open.clear();
    }

    /** The open transaction is not logged (it was logged before a restart). */
    void skip(PgOutput.Commit commit) {
        transaction = null;
        open.clear();
        endLsn = Math.max(endLsn, commit.endLsn());
    }

    int changes() {
        return committed.size();
    }

    int chars() {
        return chars;
    }

    /** The committed changes, in commit order. */
    List<Change> committed() {
        return committed;
    }

    /** The relations the committed changes are of, as PostgreSQL's array literal of oids. */
    String relationIds() {
        var ids = new StringBuilder("{");
        committed.stream().map(change -> change.relation).distinct()
                .forEach(id -> ids.append(ids.length() > 1 ? "," : "").append(Integer.toUnsignedLong(id)));
        return ids.append('}').toString();
    }

    /** The changes PostgreSQL types, as {@code plank.typed_decoded_rows} takes them, or null if there are none. */
    String untypedJson() {
        var json = new StringBuilder("[");
        for (int n = 0; n < committed.size(); n++) {
            if (!committed.get(n).typed()) {
                json.append(json.length() > 1 ? "," : "").append("{\"n\":").append(n).append(committed.get(n).untyped);
            }
        }
        return json.length() > 1 ? json.append(']').toString() : null;
    }

    /** The shapes the untyped changes name, as {@code plank.typed_decoded_rows} takes them. */
    String shapesJson() {
        var json = new StringBuilder("{");
        shapes.forEach((key, columns) -> json.append(json.length() > 1 ? "," : "").append('"').append(key).append("\":").append(columns));
        return json.append('}').toString();
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
        committed.clear();
        chars = 0;
    }

    /** Whether every value is there: an unchanged TOASTed value missing from the old row too is left to SQL. */
    private static boolean complete(String[] values, String[] old) {
        if (values == null) {
            return true;
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i] == PgOutput.UNCHANGED && (old == null || i >= old.length || old[i] == null || old[i] == PgOutput.UNCHANGED)) {
                return false;
            }
        }
        return true;
    }

    /** Each column's value as JSON, in the relation's column order. */
    private static String[] values(PgOutput.Relation relation, String[] text, String[] old) {
        int count = Math.min(text.length, relation.columns().size());
        String[] json = new String[count];
        for (int i = 0; i < count; i++) {
            // An UPDATE does not send a TOASTed value it left as it was: REPLICA IDENTITY FULL sent it with the old row.
            String value = text[i] == PgOutput.UNCHANGED ? old[i] : text[i];
            json[i] = RowJson.value(relation.columns().get(i).typeOid(), value);
        }
        return json;
    }

    private static String row(PgOutput.Relation relation, String[] values) {
        if (values == null) {
            return null;
        }
        var json = new StringBuilder("{");
        for (int i = 0; i < values.length; i++) {
            RowJson.string(json.append(i > 0 ? "," : ""), relation.columns().get(i).name()).append(':').append(values[i]);
        }
        return json.append('}').toString();
    }

    /** The rest of the change's element after its {@code "n"}: the fields every change has, and its text rows. */
    private String untyped(PgOutput.Relation relation, PgOutput.Change change) {
        var json = new StringBuilder()
                .append(",\"rel\":").append(Integer.toUnsignedLong(relation.id()))
                .append(",\"action\":\"").append(change.action())
                .append("\",\"shape\":\"").append(shape(relation)).append('"');
        if (change.row() != null) {
            textRow(json.append(",\"new\":"), relation, change.row(), change.old());
        }
        if (change.old() != null) {
            textRow(json.append(",\"old\":"), relation, change.old(), null);
        }
        return json.append('}').toString();
    }

    private String shape(PgOutput.Relation relation) {
        String key = Integer.toUnsignedLong(relation.id()) + "." + versions.getOrDefault(relation.id(), 0);
        shapes.computeIfAbsent(key, unused -> {
            var columns = new StringBuilder("{");
            for (PgOutput.Column column : relation.columns()) {
                RowJson.string(columns.append(columns.length() > 1 ? "," : ""), column.name()).append(':').append(Integer.toUnsignedLong(column.typeOid()));
            }
            return columns.append('}').toString();
        });
        return key;
    }

    /** A row as pgoutput sent it: {column: text}, json and jsonb as JSON. */
    private static void textRow(StringBuilder json, PgOutput.Relation relation, String[] values, String[] old) {
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
            RowJson.string(json, column.name()).append(':');
            if (value == null) {
                json.append("null");
            } else if (RowJson.json(column.typeOid())) {
                json.append(value);
            } else {
                RowJson.string(json, value);
            }
        }
        json.append('}');
    }

    private static int length(String value) {
        return value == null ? 0 : value.length();
    }
}
