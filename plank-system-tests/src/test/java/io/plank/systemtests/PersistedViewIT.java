package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.JavascriptExecutor;

/**
 * plank.js's persisted views in headless Chromium: a page of an application's own origin ({@link TestPages}) keeps a
 * view in IndexedDB; reloaded after changes were made while it was closed, it shows the stored rows before anything of
 * the view comes from the server, resumes with {@code since} (no snapshot asked for) and receives what it missed.
 */
@ExtendWith({Browser.Installed.class, PlankExtension.class})
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PersistedViewIT {

    private static final String TABLE = "js_persisted";

    @Test
    void aReloadedPageShowsItsRowsAtOnceAndResumesWithSince(RunningPlank plank) throws Exception {
        try (var db = plank.connect()) {
            JavaClients.capturedTable(plank, db, TABLE);
            for (int i = 0; i < 3; i++) {
                JavaClients.sentinel(db, TABLE);
            }
            String url = TestPages.origin() + "/persisted-view.html?table=" + TABLE + "&ws=" + plank.webSocket("");
            Browser.run("PersistedViewIT-" + plank.kind().id(), browser -> {
                browser.driver().get(url);
                awaitRows(browser, db);
                long fourth = JavaClients.sentinel(db, TABLE);
                awaitRows(browser, db);
                long stored = awaitStoredSeq(browser, lastSeq(db));
                assertTrue(stored > 0, "stored the seq of the last change");

                browser.driver().get("about:blank"); // the page is closed
                JavaClients.sentinel(db, TABLE);
                Sql.execute(db, "UPDATE " + TABLE + " SET n = n + 1 WHERE id = " + fourth);
                Sql.execute(db, "DELETE FROM " + TABLE + " WHERE id = (SELECT min(id) FROM " + TABLE + ")");

                browser.driver().get(url);
                awaitRows(browser, db);
                List<Map<String, Object>> log = log(browser);
                int restored = indexOf(log, entry -> "restored".equals(entry.get("cause")));
                int subscribed = indexOf(log, entry -> "subscribed".equals(entry.get("frame")));
                assertTrue(restored >= 0 && ((Number) log.get(restored).get("size")).intValue() == 4,
                        "the four stored rows shown: " + log);
                assertTrue(subscribed > restored, "before anything of the view came from the server: " + log);
                assertEquals(-1, indexOf(log, entry -> "snapshot".equals(entry.get("frame"))), "no snapshot sent: " + log);
                @SuppressWarnings("unchecked")
                var subscribe = (Map<String, Object>) log.stream().filter(entry -> entry.get("sent") instanceof Map<?, ?> sent
                        && "subscribe".equals(sent.get("type"))).findFirst().orElseThrow().get("sent");
                assertEquals(stored, ((Number) subscribe.get("since")).longValue(), "resumed after the stored seq: " + subscribe);
                assertTrue(!subscribe.containsKey("snapshot"), "no snapshot asked for: " + subscribe);
            });
        }
    }

    /** Waits until the page's view holds exactly the table's rows (id to n). */
    private static void awaitRows(Browser browser, Connection db) {
        browser.await("the page's view to equal the table", driver -> {
            try {
                return rows(db).equals(shown(browser)) ? Boolean.TRUE : null;
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        }, () -> "shown " + shown(browser) + ", log " + log(browser));
    }

    private static Map<Long, Long> rows(Connection db) throws SQLException {
        Map<Long, Long> rows = new TreeMap<>();
        try (var statement = db.createStatement(); var result = statement.executeQuery("SELECT id, n FROM " + TABLE)) {
            while (result.next()) {
                rows.put(result.getLong(1), result.getLong(2));
            }
        }
        return rows;
    }

    @SuppressWarnings("unchecked")
    private static Map<Long, Long> shown(Browser browser) {
        var rows = (List<Map<String, Object>>) script(browser).executeScript(
                "return window.plankView ? window.plankView.rows : null");
        Map<Long, Long> shown = new TreeMap<>();
        if (rows != null) {
            rows.forEach(row -> shown.put(((Number) row.get("id")).longValue(), ((Number) row.get("n")).longValue()));
        }
        return shown;
    }

    private static long lastSeq(Connection db) throws SQLException {
        return JavaClients.loggedSeqs(db, TABLE).stream().mapToLong(Long::longValue).max().orElseThrow();
    }

    /** The seq stored in IndexedDB, once it is {@code expected}. */
    private static long awaitStoredSeq(Browser browser, long expected) {
        return browser.await("the view stored at seq " + expected, driver -> {
            Object seq = script(browser).executeAsyncScript("""
                    const done = arguments[arguments.length - 1];
                    indexedDB.databases().then((databases) => {
                      if (!databases.some((d) => d.name === 'plank-views')) return done(null);
                      const open = indexedDB.open('plank-views');
                      open.onsuccess = () => {
                        const get = open.result.transaction('views').objectStore('views').getAll();
                        get.onsuccess = () => { done(get.result.length ? get.result[0].seq : null); open.result.close(); };
                      };
                      open.onerror = () => done(null);
                    });""");
            return seq instanceof Number number && number.longValue() == expected ? number.longValue() : null;
        }, () -> "log " + log(browser));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> log(Browser browser) {
        Object log = script(browser).executeScript("return window.plankLog || []");
        return log instanceof List<?> list ? (List<Map<String, Object>>) list : new ArrayList<>();
    }

    private static JavascriptExecutor script(Browser browser) {
        return (JavascriptExecutor) browser.driver();
    }

    private static int indexOf(List<Map<String, Object>> log, java.util.function.Predicate<Map<String, Object>> test) {
        for (int i = 0; i < log.size(); i++) {
            if (test.test(log.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
