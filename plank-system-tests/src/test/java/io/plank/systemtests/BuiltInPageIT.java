package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The built-in test page ({@code /plank/}) in a real browser, built on the JavaScript client ({@code /plank/plank.js}):
 * it connects and subscribes by itself, shows changes written by anyone in its log and its live view of the items, writes through the REST API with its form and buttons, resumes after a reconnect without
 * losing what was written meanwhile, and shows the API's problems. Skipped where Chromium is not installed.
 */
@ExtendWith({Browser.Installed.class, PlankExtension.class})
@Timeout(value = 120, unit = TimeUnit.SECONDS)
// First: the page lists only the first 100 items by id, so it must run before the tests that write many rows.
class BuiltInPageIT {

    private static final Logger LOG = Logger.getLogger(BuiltInPageIT.class.getName());

    @Test
    void showsChangesWritesItemsResumesAndShowsProblems(RunningPlank plank) throws Exception {
        String token = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 1_000_000));
        Browser.run("BuiltInPageIT-" + plank.kind().id(), browser -> scenario(plank, new Page(browser), token));
    }

    private static void scenario(RunningPlank plank, Page page, String token) throws SQLException {
        page.open(plank.baseUrl() + "/");
        page.awaitState("open");
        page.awaitLine("the page's subscribed answer", line -> line.contains("\"subscribed\""));

        // A write made outside the page, with plain JDBC.
        String outside = "jdbc " + token;
        long outsideId = insert(plank, outside, 1);
        page.awaitChange("INSERT", outsideId, "\"name\":\"" + outside + "\"");
        assertEquals(outsideId, page.awaitRow(outside), "the page's live view (plank.js) shows the row written with JDBC");

        // Created with the page's form: in the table and in the log.
        String fromPage = "page " + token;
        page.create(fromPage, "7");
        long pageId = page.awaitRow(fromPage);
        page.awaitChange("INSERT", pageId, "\"name\":\"" + fromPage + "\"", "\"value\":7");

        page.clickInRow(fromPage, "+1");
        page.awaitChange("UPDATE", pageId, "\"value\":8", "\"version\":1");

        // Away: a row written meanwhile arrives after Connect, because the page subscribes again with since. Plank
        // has handed the row on before Connect, so a subscription without since would never show it.
        page.click("disconnect");
        page.awaitState("closed");
        String away = "while away " + token;
        long awayId = insert(plank, away, 2);
        long awaySeq = newestSeq(plank);
        Poll.until("Plank's listener past seq " + awaySeq + " (GET /api/status)", Duration.ofSeconds(30),
                () -> listenerLastSeq(plank) >= awaySeq, true);
        page.click("connect");
        page.awaitState("open");
        page.awaitLine("a second subscribed answer, after Connect", line -> line.contains("\"subscribed\""), 2);
        String awayLine = page.awaitChange("INSERT", awayId, "\"name\":\"" + away + "\"");
        assertEquals(awayId, page.awaitRow(away), "the live view resumed too: the row written while away is in the table");
        assertEquals(1, page.lines(line -> line.contains(" INSERT items " + awayId + " ")).size(),
                "the row written while away exactly once in the log:\n" + page.evidence());
        String resubscribed = page.lines(line -> line.contains("\"subscribed\"")).get(1);
        long subscribedAt = JsonText.object(resubscribed).getJsonNumber("seq").longValue();
        assertTrue(seqOf(awayLine) <= subscribedAt, "the row written while away came by replay (seq at most "
                + subscribedAt + ", the subscription's start): " + awayLine);

        page.clickInRow(fromPage, "Delete");
        page.awaitChange("DELETE", pageId, "\"name\":\"" + fromPage + "\"");
        page.awaitNoRow(fromPage);

        // Invalid input: the problem's status and the field it is about.
        page.create(" ", "");
        String problem = page.awaitProblem(text -> text.contains("400") && text.contains("name"));
        LOG.info(() -> plank.kind().id() + ": the page showed the problem: " + problem);
    }


    /** The newest change Plank's change log holds, read with JDBC. */
    private static long newestSeq(RunningPlank plank) throws SQLException {
        try (var connection = plank.connect();
             var seq = connection.createStatement().executeQuery("SELECT max(seq) FROM plank.change_log")) {
            seq.next();
            return seq.getLong(1);
        }
    }

    /** The last seq Plank's listener handed on to the WebSocket sessions. */
    private static long listenerLastSeq(RunningPlank plank) {
        var response = new Api(plank).get("/status");
        assertEquals(200, response.statusCode(), "GET /api/status: " + response.body());
        return JsonText.object(response.body()).getJsonObject("listener").getJsonNumber("last_seq").longValue();
    }

    /** N of a log line {@code #N ACTION ...}. */
    private static long seqOf(String line) {
        return Long.parseLong(line.substring(1, line.indexOf(' ')));
    }

    private static long insert(RunningPlank plank, String name, int value) throws SQLException {
        try (var connection = plank.connect();
             var insert = connection.prepareStatement("INSERT INTO items (name, value) VALUES (?, ?) RETURNING id")) {
            insert.setString(1, name);
            insert.setInt(2, value);
            try (var id = insert.executeQuery()) {
                id.next();
                return id.getLong(1);
            }
        }
    }

    /** The test page's elements, as index.html names them. */
    private static final class Page {

        private final Browser browser;
        private final WebDriver driver;

        Page(Browser browser) {
            this.browser = browser;
            this.driver = browser.driver();
        }

        void open(String url) {
            driver.get(url);
        }

        void click(String id) {
            driver.findElement(By.id(id)).click();
        }

        void awaitState(String state) {
            browser.await("WebSocket state " + state,
                    d -> state.equals(d.findElement(By.id("state")).getDomAttribute("class")), this::evidence);
        }

        /** The log's lines, oldest first, without their time stamps. */
        @SuppressWarnings("unchecked")
        List<String> lines() {
            var lines = new ArrayList<>((List<String>) ((JavascriptExecutor) driver).executeScript(
                    "return Array.from(document.querySelectorAll('#log > div'), d => d.textContent.substring(14))"));
            Collections.reverse(lines); // the page puts the newest line first
            return lines;
        }

        List<String> lines(Predicate<String> matching) {
            return lines().stream().filter(matching).toList();
        }

        /** Waits for a log line matching {@code line}; returns the first. */
        String awaitLine(String what, Predicate<String> line) {
            return awaitLine(what, line, 1);
        }

        /** Waits for {@code count} log lines matching {@code line}; returns the first. */
        String awaitLine(String what, Predicate<String> line, int count) {
            return browser.await("log: " + what, d -> {
                List<String> matching = lines(line);
                return matching.size() >= count ? matching.get(0) : null;
            }, this::evidence);
        }

        /**
         * Waits for the log line of a change, {@code #SEQ ACTION items ID {DATA}}, whose data has all of {@code data};
         * returns it.
         */
        String awaitChange(String action, long id, String... data) {
            String head = " " + action + " items " + id + " ";
            return awaitLine(action + " of item " + id + " with " + String.join(", ", data), line -> line.startsWith("#")
                    && line.contains(head) && List.of(data).stream().allMatch(line::contains));
        }

        void create(String name, String value) {
            WebElement nameField = driver.findElement(By.id("name"));
            nameField.clear();
            nameField.sendKeys(name);
            WebElement valueField = driver.findElement(By.id("value"));
            valueField.clear();
            if (!value.isEmpty()) {
                valueField.sendKeys(value);
            }
            driver.findElement(By.cssSelector("form#create button[type=submit]")).click();
        }

        /** Waits for the item table to show a row named {@code name}; returns its id. */
        long awaitRow(String name) {
            return browser.await("a row named '" + name + "' in the item table",
                    d -> row(name).map(row -> Long.parseLong(row.findElement(By.xpath("./td[1]")).getText())).orElse(null),
                    this::evidence);
        }

        void awaitNoRow(String name) {
            browser.await("no row named '" + name + "' in the item table", d -> row(name).isEmpty(), this::evidence);
        }

        /** Clicks a button of the row named {@code name}; the page redraws its table often, so until it holds still. */
        void clickInRow(String name, String button) {
            browser.await("button " + button + " in the row named '" + name + "'", d -> row(name).map(row -> {
                row.findElement(By.xpath(".//button[normalize-space()='" + button + "']")).click();
                return true;
            }).orElse(false), this::evidence);
        }

        String awaitProblem(Predicate<String> expected) {
            return browser.await("a problem message with status 400 and the field",
                    d -> Optional.of(d.findElement(By.id("problem")).getText()).filter(expected).orElse(null),
                    this::evidence);
        }

        private Optional<WebElement> row(String name) {
            return driver.findElements(By.xpath("//tbody[@id='items']/tr[td[2][normalize-space()='" + name + "']]"))
                    .stream().findFirst();
        }

        /** What the page shows now, for failure messages. */
        String evidence() {
            try {
                List<String> lines = lines();
                return "state: " + driver.findElement(By.id("state")).getText()
                        + "; problem: '" + driver.findElement(By.id("problem")).getText() + "'"
                        + "; item table:\n" + driver.findElement(By.id("items")).getText()
                        + "\nlog (last " + Math.min(20, lines.size()) + " of " + lines.size() + " lines):\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            } catch (RuntimeException e) {
                return "(the page could not be read: " + e + ")";
            }
        }
    }
}
