package io.plank.listener.logical;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages of PostgreSQL's {@code pgoutput} plugin, protocol version 1, that Plank needs, parsed from one
 * replication message ("Logical Replication Message Formats" in PostgreSQL's documentation). Anything else (Type,
 * Origin, Truncate) is {@link Other}: the decoder logs and otherwise ignores it.
 */
final class PgOutput {

    /** pgoutput's marker of a TOASTed value that an UPDATE did not change and therefore did not send. */
    static final String UNCHANGED = new String("unchanged toast");

    sealed interface Message permits Begin, Commit, Relation, Change, Truncate, Note, Other {
    }

    /** @param commitLsn where the transaction's commit record is: the transaction's place in commit order */
    record Begin(long commitLsn, long commitMicros, long xid) implements Message {
    }

    /** @param endLsn just past the commit: acknowledging it tells the server the transaction need not be sent again */
    record Commit(long commitLsn, long endLsn, long commitMicros) implements Message {
    }

    record Column(String name, int typeOid) {
    }

    record Relation(int id, String schema, String name, List<Column> columns) implements Message {
    }

    /**
     * An INSERT ({@code old} null), UPDATE or DELETE ({@code row} null); values as text, in the relation's column
     * order, null for SQL NULL, {@link #UNCHANGED} for an unchanged TOASTed value.
     */
    record Change(String action, int relation, String[] row, String[] old) implements Message {
    }

    /**
     * A TRUNCATE of the published tables it names (one statement may empty several; a CASCADE adds the tables that
     * refer to them). The options are read for completeness: either way every row of each table is gone.
     */
    record Truncate(List<Integer> relations, boolean cascade, boolean restartIdentity) implements Message {
    }

    /** A logical message ({@code pg_logical_emit_message}), such as a snapshot's mark. */
    record Note(long lsn, String prefix, String content) implements Message {
    }

    record Other(char kind) implements Message {
    }

    private PgOutput() {
    }

    static Message parse(ByteBuffer buffer) {
        char kind = (char) buffer.get();
        return switch (kind) {
            case 'B' -> new Begin(buffer.getLong(), buffer.getLong(), Integer.toUnsignedLong(buffer.getInt()));
            case 'C' -> {
                buffer.get(); // flags, unused
                yield new Commit(buffer.getLong(), buffer.getLong(), buffer.getLong());
            }
            case 'R' -> relation(buffer);
            case 'I' -> {
                int relation = buffer.getInt();
                expect(buffer, 'N');
                yield new Change("INSERT", relation, tuple(buffer), null);
            }
            case 'U' -> {
                int relation = buffer.getInt();
                char next = (char) buffer.get();
                String[] old = null;
                if (next == 'K' || next == 'O') {
                    old = tuple(buffer);
                    next = (char) buffer.get();
                }
                if (next != 'N') {
                    throw new IllegalArgumentException("pgoutput UPDATE without a new tuple ('" + next + "')");
                }
                yield new Change("UPDATE", relation, tuple(buffer), old);
            }
            case 'D' -> {
                int relation = buffer.getInt();
                buffer.get(); // 'K' or 'O': with REPLICA IDENTITY FULL it is the whole old row
                yield new Change("DELETE", relation, null, tuple(buffer));
            }
            case 'T' -> {
                int count = buffer.getInt();
                byte options = buffer.get();
                List<Integer> relations = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    relations.add(buffer.getInt());
                }
                yield new Truncate(List.copyOf(relations), (options & 1) != 0, (options & 2) != 0);
            }
            case 'M' -> {
                buffer.get(); // flags: Plank emits its marks non-transactionally
                long lsn = buffer.getLong();
                String prefix = string(buffer);
                byte[] content = new byte[buffer.getInt()];
                buffer.get(content);
                yield new Note(lsn, prefix, new String(content, StandardCharsets.UTF_8));
            }
            default -> new Other(kind);
        };
    }

    private static Relation relation(ByteBuffer buffer) {
        int id = buffer.getInt();
        String schema = string(buffer);
        String name = string(buffer);
        buffer.get(); // replica identity setting
        int count = Short.toUnsignedInt(buffer.getShort());
        List<Column> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            buffer.get(); // flags: part of the replica identity (with FULL, every column)
            String column = string(buffer);
            int type = buffer.getInt();
            buffer.getInt(); // type modifier
            columns.add(new Column(column, type));
        }
        return new Relation(id, schema, name, List.copyOf(columns));
    }

    private static String[] tuple(ByteBuffer buffer) {
        int count = Short.toUnsignedInt(buffer.getShort());
        String[] values = new String[count];
        for (int i = 0; i < count; i++) {
            char kind = (char) buffer.get();
            values[i] = switch (kind) {
                case 'n' -> null;
                case 'u' -> UNCHANGED;
                case 't' -> {
                    byte[] bytes = new byte[buffer.getInt()];
                    buffer.get(bytes);
                    yield new String(bytes, StandardCharsets.UTF_8);
                }
                default -> throw new IllegalArgumentException("pgoutput column of unknown kind '" + kind + "'");
            };
        }
        return values;
    }

    private static String string(ByteBuffer buffer) {
        int start = buffer.position();
        int end = start;
        while (buffer.get(end) != 0) {
            end++;
        }
        String value = new String(buffer.array(), buffer.arrayOffset() + start, end - start, StandardCharsets.UTF_8);
        buffer.position(end + 1);
        return value;
    }

    private static void expect(ByteBuffer buffer, char expected) {
        char actual = (char) buffer.get();
        if (actual != expected) {
            throw new IllegalArgumentException("pgoutput: expected '" + expected + "', found '" + actual + "'");
        }
    }
}
