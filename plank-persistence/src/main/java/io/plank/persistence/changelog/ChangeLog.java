package io.plank.persistence.changelog;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;

/**
 * {@code plank.change_log} as resuming clients and the status resource see it. Each read runs in a transaction
 * of its own: replay runs on managed worker threads, where Payara closes a transaction-less persistence context
 * after the first call.
 */
@ApplicationScoped
@Transactional
public class ChangeLog {

    /** The status resource reads the stats; a database that hangs must not hang the request for long. */
    private static final int STATS_TIMEOUT_MS = 2_000;

    @PersistenceContext(unitName = "plank")
    EntityManager em;

    /** How big the log is and how far it reaches. */
    public record Stats(long newestSeq, long prunedThrough, long approximateRows, long bytes) {
    }

    /**
     * The changes of {@code table} with {@code after < seq <= upTo}, oldest first, at most {@code limit}: the same
     * events the listener hands on.
     */
    public List<ChangeEvent> changes(String table, long after, long upTo, int limit) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                        SELECT l.seq, l.action, l.key::text, plank.change_frame(l),
                               CASE WHEN l.action = 'UPDATE' THEN l.old_row::text END
                        FROM plank.change_log l
                        WHERE l.table_name = ?1 AND l.seq > ?2 AND l.seq <= ?3
                        ORDER BY l.seq LIMIT ?4""")
                .setParameter(1, table)
                .setParameter(2, after)
                .setParameter(3, upTo)
                .setParameter(4, limit)
                .getResultList();
        return rows.stream().map(row -> new ChangeEvent(((Number) row[0]).longValue(), table, Action.valueOf((String) row[1]),
                (String) row[2], false, (String) row[3], (String) row[4])).toList();
    }

    /** Every change up to this {@code seq} may have been pruned: a client that saw less must reload. */
    public long prunedThrough() {
        return ((Number) em.createNativeQuery("SELECT pruned_through FROM plank.log_retention").getSingleResult()).longValue();
    }

    public Stats stats() {
        Object[] row = (Object[]) em.createNativeQuery("""
                        SELECT (SELECT COALESCE(max(seq), 0) FROM plank.change_log),
                               (SELECT pruned_through FROM plank.log_retention),
                               (SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = 'plank.change_log'::regclass),
                               pg_total_relation_size('plank.change_log')""")
                .setHint("jakarta.persistence.query.timeout", STATS_TIMEOUT_MS)
                .getSingleResult();
        return new Stats(((Number) row[0]).longValue(), ((Number) row[1]).longValue(),
                ((Number) row[2]).longValue(), ((Number) row[3]).longValue());
    }
}
