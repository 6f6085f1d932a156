package io.plank.web.socket.catchup;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.plank.persistence.changelog.ChangeLog;
import io.plank.web.socket.fanout.Fanout;

/**
 * The pages of the change log that replays read, each kept for a while and served to every replay that asks for the
 * same page: after a reconnect storm thousands of clients resume from the same seq (they were following the same
 * stream when their connections dropped) and read the same pages, so one read serves them all, and the frames made
 * for one client's copy are the others' too ({@link Fanout} makes each distinct frame once).
 *
 * <p>A kept page stays true: a replay reads up to the listener's position, below which every change has committed,
 * so nothing can join the log there later. Pruning may delete kept changes from the log; handing them on is still
 * right (they happened), and the watermark kept with the page is the one the page was read under. A page read up to
 * an earlier position than a replay needs serves it only if it was full: then no change beyond it belongs in it.
 */
final class LogPages {

    static final long KEEP_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** At most this many pages (of up to {@link Replay#PAGE} changes each) are kept; the least recently used goes. */
    static final int CAPACITY = 64;

    /** What a replay gets: changes ready for the fan-out, and the prune watermark they were read under. */
    record Page(List<Fanout> changes, long prunedThrough) {
    }

    private record Key(String table, long after, int limit) {
    }

    private record Kept(Page page, long readUpTo, long readAt) {

        /** This page's answer to a read up to {@code upTo}, or null if it cannot give it. */
        Page answer(long upTo, int limit) {
            List<Fanout> changes = page.changes();
            if (upTo > readUpTo) {
                return changes.size() == limit ? page : null; // a page cut short at readUpTo may lack later changes
            }
            int end = changes.size();
            while (end > 0 && changes.get(end - 1).seq() > upTo) {
                end--;
            }
            return end == changes.size() ? page : new Page(changes.subList(0, end), page.prunedThrough());
        }
    }

    private final ChangeLog log;
    private final LongSupplier clock;
    private final Map<Key, Kept> kept = new LinkedHashMap<>(CAPACITY, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Kept> eldest) {
            return size() > CAPACITY;
        }
    };
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong shared = new AtomicLong();

    LogPages(ChangeLog log, LongSupplier clock) {
        this.log = log;
        this.clock = clock;
    }

    /** The changes of {@code table} with {@code after < seq <= upTo}, at most {@code limit}: a kept page, or one read now. */
    Page read(String table, long after, long upTo, int limit) {
        var key = new Key(table, after, limit);
        long now = clock.getAsLong();
        Kept found;
        synchronized (kept) {
            found = kept.get(key);
        }
        if (found != null && now - found.readAt() < KEEP_NANOS) {
            Page answer = found.answer(upTo, limit);
            if (answer != null) {
                shared.incrementAndGet();
                return answer;
            }
        }
        ChangeLog.Page read = log.page(table, after, upTo, limit);
        reads.incrementAndGet();
        var page = new Page(read.changes().stream().map(Fanout::replayed).toList(), read.prunedThrough());
        synchronized (kept) {
            kept.put(key, new Kept(page, upTo, now));
        }
        return page;
    }

    /** Pages read from the database. */
    long reads() {
        return reads.get();
    }

    /** Pages served from one read for another replay. */
    long shared() {
        return shared.get();
    }
}
