package io.plank.listener.feed;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;

/**
 * Reads {@code plank.change_log} in {@code seq} order and hands on every committed change exactly once.
 *
 * <p>The difficulty: {@code seq} is taken inside the writer's transaction, before commit, so a change
 * with a lower {@code seq} can become visible after higher ones. When the next expected {@code seq} is
 * missing, the reader notes which transactions were running at that moment (the snapshot's xip list):
 * only they can still hold it. It stops there and polls until all of them have ended; whatever is then
 * still missing was rolled back and is skipped. So nothing committed is skipped and nothing is handed on
 * twice, at the price that changes queue behind a writing transaction that stays open.
 */
final class ChangeLogReader {

    static final int PAGE_SIZE = 500;

    private static final String READ = """
            SELECT l.seq, l.table_name, l.action, l.key::text, plank.change_frame(l), pg_current_snapshot()::text
            FROM plank.change_log l
            WHERE l.seq > ?
            ORDER BY l.seq
            LIMIT ?""";

    private volatile long cursor;
    private volatile long newest;
    private Set<Long> awaited;

    ChangeLogReader(long cursor) {
        this.cursor = cursor;
    }

    /** The last {@code seq} handed on. */
    long cursor() {
        return cursor;
    }

    /** The highest {@code seq} seen in the log so far, delivered or not. */
    long newest() {
        return Math.max(newest, cursor);
    }

    /** Whether a missing {@code seq} is holding delivery back until some transactions end. */
    boolean waitingForGap() {
        return awaited != null;
    }

    /** Hands on everything deliverable now, in {@code seq} order; returns how many changes that was. */
    int read(Connection connection, Consumer<ChangeEvent> sink) throws SQLException {
        int delivered = 0;
        int rows;
        do {
            rows = 0;
            try (var statement = connection.prepareStatement(READ)) {
                statement.setLong(1, cursor);
                statement.setInt(2, PAGE_SIZE);
                try (var result = statement.executeQuery()) {
                    while (result.next()) {
                        rows++;
                        long seq = result.getLong(1);
                        newest = Math.max(newest, seq);
                        if (seq != cursor + 1 && !gapClosed(Snapshot.parse(result.getString(6)))) {
                            return delivered;
                        }
                        awaited = null;
                        cursor = seq;
                        delivered++;
                        sink.accept(new ChangeEvent(seq, result.getString(2), Action.valueOf(result.getString(3)),
                                result.getString(4), false, result.getString(5)));
                    }
                }
            }
        } while (rows == PAGE_SIZE);
        return delivered;
    }

    /**
     * Called with the snapshot of the read that found {@code seq}s missing after the cursor. The first time,
     * remembers the transactions then running; the gap closes once none of them runs any more.
     */
    private boolean gapClosed(Snapshot now) {
        if (awaited == null) {
            awaited = now.running();
            return awaited.isEmpty();
        }
        return awaited.stream().noneMatch(now.running()::contains);
    }

    /** The part of {@code pg_current_snapshot()} the reader needs: the transactions in progress. */
    record Snapshot(Set<Long> running) {

        /** Parses PostgreSQL's {@code xmin:xmax:xip,xip,...} text form. */
        static Snapshot parse(String text) {
            String[] parts = text.split(":", -1);
            if (parts.length != 3) {
                throw new IllegalArgumentException("not a pg_snapshot: " + text);
            }
            Set<Long> running = parts[2].isEmpty() ? Set.of()
                    : Arrays.stream(parts[2].split(",")).map(Long::valueOf).collect(Collectors.toUnmodifiableSet());
            return new Snapshot(running);
        }
    }
}
