package io.plank.persistence.capture;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

/**
 * The tables clients may subscribe to: those with the {@code plank_capture} trigger. Cached, and
 * re-read at most once a second when asked about a table it does not know, so a table captured
 * after start-up (by SQL, or later through the admin API) becomes subscribable without a restart.
 */
@ApplicationScoped
public class CapturedTables {

    private static final long REFRESH_INTERVAL_NANOS = 1_000_000_000L;

    @PersistenceContext(unitName = "plank")
    EntityManager em;

    private volatile Set<String> tables;
    private final AtomicLong lastRead = new AtomicLong(System.nanoTime() - REFRESH_INTERVAL_NANOS);

    public boolean contains(String table) {
        Set<String> known = tables;
        if (known != null && known.contains(table)) {
            return true;
        }
        long last = lastRead.get();
        if (known == null || (System.nanoTime() - last >= REFRESH_INTERVAL_NANOS && lastRead.compareAndSet(last, System.nanoTime()))) {
            known = reload();
        }
        return known.contains(table);
    }

    public Set<String> all() {
        Set<String> known = tables;
        return known != null ? known : reload();
    }

    private Set<String> reload() {
        @SuppressWarnings("unchecked")
        List<String> names = em.createNativeQuery("SELECT table_name FROM plank.captured_tables").getResultList();
        Set<String> fresh = Set.copyOf(names);
        tables = fresh;
        return fresh;
    }
}
