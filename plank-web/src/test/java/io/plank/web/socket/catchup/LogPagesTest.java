package io.plank.web.socket.catchup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.persistence.changelog.ChangeLog;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.FreshDatabase;
import io.plank.web.socket.fanout.Fanout;

/**
 * Log pages read once and served to every replay that asks for the same page, against PostgreSQL: the answers are
 * what a read of their own would have given, and a page is shared only where it is sure to be whole.
 */
class LogPagesTest {

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);

    private final AtomicLong now = new AtomicLong();
    private LogPages pages;

    @BeforeAll
    static void log() throws Exception {
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE orders (id int PRIMARY KEY, status text)");
            statement.execute("SELECT plank.capture('orders')");
            statement.execute("INSERT INTO orders SELECT n, 'new' FROM generate_series(1, 30) n");
        }
    }

    private LogPages pages() {
        if (pages == null) {
            pages = new LogPages(new ChangeLog(database.dataSource()), now::get);
        }
        return pages;
    }

    @Test
    void oneReadServesEveryReplayFromTheSamePlace() {
        var first = pages().read("orders", 0, 30, 10);
        var second = pages().read("orders", 0, 30, 10);
        assertSame(first.changes(), second.changes(), "the same changes, and so the same frames");
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), seqs(second.changes()));
        assertEquals(1, pages.reads());
        assertEquals(1, pages.shared());
    }

    @Test
    void aReplayEndingEarlierGetsThePageCutAtItsEnd() {
        pages().read("orders", 0, 30, 10);
        assertEquals(List.of(1L, 2L, 3L, 4L), seqs(pages.read("orders", 0, 4, 10).changes()));
        assertEquals(1, pages.reads());
    }

    @Test
    void aFullPageServesAReplayReadingFurtherButOneCutShortDoesNot() {
        pages().read("orders", 0, 15, 10); // full: the first ten changes whatever the end
        assertEquals(seqs(pages.read("orders", 0, 30, 10).changes()), List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L));
        assertEquals(1, pages.reads());

        pages.read("orders", 20, 25, 10); // five changes, cut short at 25
        assertEquals(List.of(21L, 22L, 23L, 24L, 25L, 26L, 27L, 28L, 29L, 30L), seqs(pages.read("orders", 20, 30, 10).changes()),
                "changes after the first read's end are read");
        assertEquals(3, pages.reads());
    }

    @Test
    void keptPagesExpireAndOtherTablesAndPlacesAreReadAfresh() {
        pages().read("orders", 0, 30, 10);
        pages.read("orders", 1, 30, 10);
        assertEquals(0, pages.read("other", 0, 30, 10).changes().size());
        now.addAndGet(LogPages.KEEP_NANOS);
        pages.read("orders", 0, 30, 10);
        assertEquals(4, pages.reads());
        assertEquals(0, pages.shared());
    }

    @Test
    void theWatermarkComesWithThePage() throws Exception {
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("UPDATE plank.log_retention SET pruned_through = 3");
            assertEquals(3, new ChangeLog(database.dataSource()).page("orders", 29, 30, 10).prunedThrough(), "a page of one");
            assertEquals(3, new ChangeLog(database.dataSource()).page("orders", 30, 30, 10).prunedThrough(), "an empty page");
            statement.execute("UPDATE plank.log_retention SET pruned_through = 0");
        }
    }

    private static List<Long> seqs(List<Fanout> changes) {
        return changes.stream().map(Fanout::seq).toList();
    }
}
