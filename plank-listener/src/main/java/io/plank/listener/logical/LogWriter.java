package io.plank.listener.logical;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes a batch of decoded transactions into the change log with the position it reaches, and wakes the listeners,
 * all in one transaction of the decoder's own connection: the NOTIFY is sent at commit, once per batch, so its
 * database-wide lock is taken by the decoder, never by a writer. The rows go in by COPY, with seq, key and tx
 * worked out here (V10__decoded_rows_typed_by_the_decoder.sql says why): per batch, one query, a second only for
 * rows of types that PostgreSQL types, the COPY and the commit.
 */
final class LogWriter {

    private static final Logger LOG = Logger.getLogger(LogWriter.class.getName());
    private static final String COPY = "COPY plank.change_log (seq, table_name, action, key, new_row, old_row, changed_at, tx) FROM STDIN";

    private final Connection connection;
    /** Dropped relations already warned about, so that a batch of their changes says so once. */
    private final Set<Integer> warned = new HashSet<>();

    LogWriter(Connection connection) throws SQLException {
        this.connection = connection;
        connection.setAutoCommit(false);
    }

    /** The commit LSN of the last transaction in the log: one at or below it was logged before. */
    long loggedThrough() throws SQLException {
        try (var statement = connection.createStatement();
             var result = statement.executeQuery("SELECT commit_lsn - '0/0'::pg_lsn FROM plank.decoder_position")) {
            long lsn = result.next() ? result.getLong(1) : 0;
            connection.commit();
            return lsn;
        }
    }

    /** A table as the log names it, and its key columns in key order (null without a primary key). */
    private record Table(String name, String[] keyColumns) {
    }

    /** Logs the batch's committed transactions and {@code mark} as processed; returns the changes logged. */
    long write(DecodedBatch batch, long mark) throws SQLException {
        try {
            List<DecodedBatch.Change> changes = batch.committed();
            long[] seqs;
            long nextXid;
            Map<Integer, Table> tables = new HashMap<>();
            try (var statement = connection.prepareStatement("""
                    SELECT b.seqs, b.next_xid, t.rel, t.table_name, t.key_columns
                    FROM plank.decoder_batch(?, ?::pg_lsn, ?::pg_lsn) b LEFT JOIN plank.decoded_tables(?::oid[]) t ON true""")) {
                statement.setInt(1, changes.size());
                statement.setString(2, lsn(batch.commitLsn()));
                statement.setString(3, lsn(Math.max(batch.endLsn(), mark)));
                statement.setString(4, batch.relationIds());
                try (var result = statement.executeQuery()) {
                    result.next();
                    Long[] taken = (Long[]) result.getArray(1).getArray();
                    seqs = new long[taken.length];
                    for (int i = 0; i < taken.length; i++) {
                        seqs[i] = taken[i];
                    }
                    nextXid = result.getLong(2);
                    do {
                        if (result.getString(4) != null) {
                            var keys = result.getArray(5);
                            tables.put((int) result.getLong(3), new Table(result.getString(4), keys == null ? null : (String[]) keys.getArray()));
                        }
                    } while (result.next());
                }
            }
            typeUntyped(batch);
            long logged = copy(changes, seqs, nextXid, tables);
            connection.commit();
            return logged;
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                e.addSuppressed(ignored);
            }
            throw e;
        }
    }

    /** Has PostgreSQL type the rows of changes that the batch could not type itself. */
    private void typeUntyped(DecodedBatch batch) throws SQLException {
        String untyped = batch.untypedJson();
        if (untyped == null) {
            return;
        }
        try (var statement = connection.prepareStatement("SELECT n, key, new_row, old_row FROM plank.typed_decoded_rows(?::jsonb, ?::jsonb)")) {
            statement.setString(1, untyped);
            statement.setString(2, batch.shapesJson());
            try (var result = statement.executeQuery()) {
                while (result.next()) {
                    var change = batch.committed().get(result.getInt(1));
                    change.key = result.getString(2);
                    change.newRow = result.getString(3);
                    change.oldRow = result.getString(4);
                }
            }
        }
    }

    private long copy(List<DecodedBatch.Change> changes, long[] seqs, long nextXid, Map<Integer, Table> tables) throws SQLException {
        var rows = new StringBuilder(changes.size() * 160);
        long logged = 0;
        for (int n = 0; n < changes.size(); n++) {
            var change = changes.get(n);
            var table = tables.get(change.relation);
            if (table == null) {
                if (warned.add(change.relation)) {
                    LOG.warning(() -> "Changes to a table dropped before they were logged are not logged (relation "
                            + Integer.toUnsignedLong(change.relation) + ")");
                }
                continue;
            }
            String key = change.typed() ? key(change, table.keyColumns()) : change.key;
            rows.append(seqs[n]).append('\t');
            field(rows, table.name()).append('\t').append(change.action).append('\t');
            field(rows, key).append('\t');
            field(rows, change.newRow).append('\t');
            field(rows, change.oldRow).append('\t');
            rows.append(change.at).append('\t').append(fullXid(change.xid, nextXid)).append('\n');
            logged++;
        }
        if (logged > 0) {
            byte[] bytes = rows.toString().getBytes(StandardCharsets.UTF_8);
            CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY);
            try {
                copy.writeToCopy(bytes, 0, bytes.length);
                copy.endCopy();
            } finally {
                if (copy.isActive()) {
                    copy.cancelCopy();
                }
            }
        }
        return logged;
    }

    /** The key as {@code plank.row_key} gives it: the value itself for a one-column key, an object of the columns otherwise. */
    static String key(DecodedBatch.Change change, String[] keyColumns) {
        if (change.keyRow == null || keyColumns == null || keyColumns.length == 0) {
            return null;
        }
        if (keyColumns.length == 1) {
            return valueOf(change, keyColumns[0], null);
        }
        var key = new StringBuilder("{");
        for (String column : keyColumns) {
            RowJson.string(key.append(key.length() > 1 ? "," : ""), column).append(':').append(valueOf(change, column, "null"));
        }
        return key.append('}').toString();
    }

    private static String valueOf(DecodedBatch.Change change, String column, String missing) {
        var columns = change.columns.columns();
        for (int i = 0; i < change.keyRow.length; i++) {
            if (columns.get(i).name().equals(column)) {
                return change.keyRow[i];
            }
        }
        return missing;
    }

    /**
     * The 64-bit id of a decoded 32-bit xid: the one nearest the newest id, as {@code plank.full_xid} (V9) gives it
     * to the changes that PostgreSQL logs; the same rule, here so that COPY can take the rows as they are.
     */
    static long fullXid(long xid, long nextXid) {
        long epoch = nextXid >>> 32;
        long candidate = (epoch << 32) + xid;
        return candidate > nextXid + 2_147_483_648L ? ((epoch - 1) << 32) + xid : candidate;
    }

    /** A value in COPY's text format: {@code \N} for null, backslash, tab and line breaks escaped. */
    private static StringBuilder field(StringBuilder rows, String value) {
        if (value == null) {
            return rows.append("\\N");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            int special = "\\\t\n\r".indexOf(c);
            if (special < 0) {
                rows.append(c);
            } else {
                rows.append('\\').append("\\tnr".charAt(special));
            }
        }
        return rows;
    }

    private static String lsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
