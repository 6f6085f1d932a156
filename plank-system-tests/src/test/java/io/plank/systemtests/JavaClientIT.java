package io.plank.systemtests;

import static io.plank.systemtests.JavaClients.assertEveryChangeOnceInOrder;
import static io.plank.systemtests.JavaClients.assertViewEquals;
import static io.plank.systemtests.JavaClients.awaitRow;
import static io.plank.systemtests.JavaClients.capturedTable;
import static io.plank.systemtests.JavaClients.client;
import static io.plank.systemtests.JavaClients.sentinel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.plank.client.ConnectionState;
import io.plank.client.PlankClient;
import io.plank.client.Subscribe;
import io.plank.client.SubscriptionEvent;
import io.plank.client.Token;
import io.plank.testsupport.server.ServerKind;
import io.plank.testsupport.wait.Eventually;

/**
 * The Java client (plank-client) against this run's Plank, the scenarios plank.js's end-to-end tests go through: 20
 * writers read in batches, the server killed (WildFly) or redeployed (Payara, whose restart takes about 95 s) under a
 * stream, connections cut under a stream (a TCP proxy closing them), a resume the log no longer covers (reset), tokens refreshed in band and a token left to expire (4401).
 * Each time every logged change arrives once, in order, and the views equal their tables.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
// After the unordered classes: the reset test prunes the change log and the restart test kills or redeploys the server.
@Order(Integer.MAX_VALUE - 3)
class JavaClientIT {

    private static final Logger LOG = Logger.getLogger(JavaClientIT.class.getName());
    private static final String ROLE = "java-reader";

    @Test
    void twentyWritersReadInBatchesNothingLostOrRepeated(RunningPlank plank) throws Exception {
        var record = new JavaClients.Record();
        var messages = new AtomicInteger();
        try (var db = plank.connect(); var client = client(plank, record).build()) {
            capturedTable(plank, db, "java_writers");
            client.onMessageHandled(messages::incrementAndGet);
            // A reader slower than the writers for a while: the server has frames waiting and sends them as arrays.
            var slowUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            var subscription = client.subscribe(Subscribe.to("java_writers"), event -> {
                record.accept(event);
                if (System.nanoTime() < slowUntil) {
                    sleepQuietly(3);
                }
            });
            var view = client.view(Subscribe.to("java_writers"));
            subscription.ready().get(10, TimeUnit.SECONDS);
            view.ready().get(10, TimeUnit.SECONDS);
            try (var writers = TableWriters.start(plank, "java_writers", 20, 2_000, 25)) {
                writers.await(Duration.ofMinutes(2));
            }
            awaitRow(record, sentinel(db, "java_writers"), Duration.ofSeconds(60));
            Eventually.until("the view to hold the sentinel", Duration.ofSeconds(10), () -> view.rows().stream()
                    .anyMatch(row -> row.getInt("writer") == -1), found -> found);
            assertEveryChangeOnceInOrder(db, "java_writers", record);
            assertViewEquals(db, "java_writers", view);
            int frames = record.changes.size();
            LOG.info(() -> plank.kind().id() + ": " + frames + " changes in " + messages.get() + " messages");
            assertTrue(messages.get() < frames, "some frames came in batches: " + frames + " changes in " + messages.get() + " messages");
        }
    }

    @Test
    void theServerKilledOrRedeployedUnderAStream(RunningPlank plank) throws Exception {
        var record = new JavaClients.Record();
        try (var db = plank.connect(); var client = client(plank, record).build()) {
            capturedTable(plank, db, "java_restart");
            var subscription = client.subscribe(Subscribe.to("java_restart"), record::accept);
            var view = client.view(Subscribe.to("java_restart"));
            subscription.ready().get(10, TimeUnit.SECONDS);
            view.ready().get(10, TimeUnit.SECONDS);
            try (var writers = TableWriters.start(plank, "java_restart", 2, 1_000_000, 20)) {
                Eventually.until("changes streaming", Duration.ofSeconds(30), () -> record.changes.size() >= 30, done -> done);
                if (plank.kind() == ServerKind.WILDFLY) {
                    plank.kill();
                    Eventually.until("the client to notice", Duration.ofSeconds(30), () -> client.state() != ConnectionState.OPEN, gone -> gone);
                    int atKill = writers.committed();
                    Eventually.until("rows written while the server is down", Duration.ofSeconds(30),
                            () -> writers.committed() >= atKill + 20, done -> done);
                    plank.startAgain();
                } else {
                    plank.redeploy();
                }
                Eventually.until("the client back", Duration.ofSeconds(60), () -> client.state() == ConnectionState.OPEN, open -> open,
                        () -> record.states.toString());
                int atRestart = writers.committed();
                Eventually.until("rows written after the restart", Duration.ofSeconds(30),
                        () -> writers.committed() >= atRestart + 20, done -> done);
            }
            awaitRow(record, sentinel(db, "java_restart"), Duration.ofSeconds(60));
            Eventually.until("the view to hold the sentinel", Duration.ofSeconds(10), () -> view.rows().stream()
                    .anyMatch(row -> row.getInt("writer") == -1), found -> found);
            assertEveryChangeOnceInOrder(db, "java_restart", record);
            assertViewEquals(db, "java_restart", view);
            var drop = record.states.stream().filter(state -> state.state() == ConnectionState.RECONNECTING).findFirst().orElseThrow();
            assertTrue(List.of(1001, 1006).contains(drop.code()), "a killed server's connection ends (1006); an undeployment closes"
                    + " it with 1001 (or, on Payara, 1006): " + drop);
        }
    }

    @Test
    void connectionsCutUnderAStreamResumeWithNothingLostOrRepeated(RunningPlank plank) throws Exception {
        var record = new JavaClients.Record();
        try (var db = plank.connect(); var proxy = CuttableProxy.to(plank.baseUrl());
                var client = PlankClient.builder(java.net.URI.create(proxy.url("/plank/ws").replace("http:", "ws:")))
                        .ping(Duration.ofSeconds(1), Duration.ofMillis(1500)).connectTimeout(Duration.ofSeconds(3))
                        .backoff(Duration.ofMillis(200), Duration.ofSeconds(2)).onState(record.states::add).build()) {
            capturedTable(plank, db, "java_cut");
            client.subscribe(Subscribe.to("java_cut"), record::accept).ready().get(10, TimeUnit.SECONDS);
            var view = client.view(Subscribe.to("java_cut"));
            view.ready().get(10, TimeUnit.SECONDS);
            try (var writers = TableWriters.start(plank, "java_cut", 2, 1_000_000, 25)) {
                for (int cut = 1; cut <= 3; cut++) {
                    int before = writers.committed();
                    Eventually.until("rows written before cut " + cut, Duration.ofSeconds(30), () -> writers.committed() >= before + 20, d -> d);
                    proxy.cut();
                    long reconnects = cut;
                    Eventually.until("the client back after cut " + cut, Duration.ofSeconds(30), () -> record.opens() > reconnects,
                            back -> back, () -> record.states.toString());
                }
            }
            awaitRow(record, sentinel(db, "java_cut"), Duration.ofSeconds(30));
            Eventually.until("the view to hold the sentinel", Duration.ofSeconds(10), () -> view.rows().stream()
                    .anyMatch(row -> row.getInt("writer") == -1), found -> found);
            assertEveryChangeOnceInOrder(db, "java_cut", record);
            assertViewEquals(db, "java_cut", view);
        }
    }

    @Test
    void aResumeTheLogNoLongerCoversIsAResetAndTheViewReloads(RunningPlank plank) throws Exception {
        var record = new JavaClients.Record();
        try (var db = plank.connect(); var client = client(plank, record).build()) {
            capturedTable(plank, db, "java_reset");
            var subscription = client.subscribe(Subscribe.to("java_reset"), record::accept);
            var view = client.view(Subscribe.to("java_reset"));
            subscription.ready().get(10, TimeUnit.SECONDS);
            view.ready().get(10, TimeUnit.SECONDS);
            awaitRow(record, sentinel(db, "java_reset"), Duration.ofSeconds(10));

            client.disconnect();
            Eventually.until("the client closed", Duration.ofSeconds(10), () -> client.state() == ConnectionState.CLOSED, closed -> closed);
            for (int i = 0; i < 5; i++) {
                sentinel(db, "java_reset");
            }
            Sql.execute(db, "DELETE FROM java_reset WHERE id = (SELECT min(id) FROM java_reset)");
            // As the retention job would: everything logged so far is gone, the client's resume point with it.
            assertTrue(LoggedChanges.prune(db, LoggedChanges.newestSeq(db)) > 0, "pruned");
            var viewResets = new AtomicInteger();
            view.onEvent(event -> {
                if (event instanceof SubscriptionEvent.Reset) {
                    viewResets.incrementAndGet();
                }
            });
            client.connect();

            Eventually.until("a reset", Duration.ofSeconds(20), () -> record.events.stream()
                    .anyMatch(event -> event instanceof SubscriptionEvent.Reset reset && !reset.resnapshot()), found -> found);
            Eventually.until("the view's reset", Duration.ofSeconds(20), viewResets::get, count -> count == 1);
            long after = sentinel(db, "java_reset");
            awaitRow(record, after, Duration.ofSeconds(20));
            Eventually.until("the view reloaded and live", Duration.ofSeconds(20), () -> view.get(after) != null, found -> found);
            assertViewEquals(db, "java_reset", view);
            assertEquals(2, record.changes.size(), "the first row, then nothing of the pruned changes, then the live one: "
                    + record.seqs());
        }
    }

    @Test
    void aTokenRefreshedInBandKeepsOneConnection(RunningPlank plank) throws Exception {
        var record = new JavaClients.Record();
        var calls = new AtomicInteger();
        try (var db = plank.connect()) {
            securedTable(plank, db, "java_secured");
            try (var client = client(plank, record).tokenRefreshMargin(Duration.ofSeconds(3)).tokens(() -> {
                calls.incrementAndGet();
                return Token.of(TestTokens.token("java-alice", List.of(ROLE), Map.of(), Duration.ofSeconds(6)));
            }).build()) {
                client.subscribe(Subscribe.to("java_secured"), record::accept).ready().get(10, TimeUnit.SECONDS);
                for (int i = 0; i < 8; i++) {
                    sentinel(db, "java_secured");
                    TimeUnit.SECONDS.sleep(1); // pacing the writes across two refreshes, not waiting for an outcome
                }
                Eventually.until("every change", Duration.ofSeconds(10), () -> record.changes.size(), count -> count == 8);
                assertTrue(calls.get() >= 3, "refreshed twice or more in 8 s of 6 s tokens: " + calls.get() + " calls");
                assertEquals(1, record.opens(), "never reconnected: " + record.states);
                assertEveryChangeOnceInOrder(db, "java_secured", record);
            }
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void afterTheTokenExpired4401ItReconnectsWithAFreshTokenAndResumes(RunningPlank plank) throws Exception {
        var record = new JavaClients.Record();
        var calls = new AtomicInteger();
        try (var db = plank.connect()) {
            securedTable(plank, db, "java_expiring");
            // A margin beyond any lifetime: no refresh, so the server closes the connection once exp + its 30 s skew pass.
            try (var client = client(plank, record).tokenRefreshMargin(Duration.ofHours(-1)).tokens(() -> {
                calls.incrementAndGet();
                return Token.of(TestTokens.token("java-alice", List.of(ROLE), Map.of(), Duration.ofSeconds(4)));
            }).build()) {
                client.subscribe(Subscribe.to("java_expiring"), record::accept).ready().get(10, TimeUnit.SECONDS);
                try (var writers = TableWriters.start(plank, "java_expiring", 1, 1_000_000, 5)) {
                    Eventually.until("the server closing with 4401", Duration.ofSeconds(60), () -> record.sawClose(4401), seen -> seen,
                            () -> record.states.toString());
                    Eventually.until("the connection open again", Duration.ofSeconds(15), () -> client.state() == ConnectionState.OPEN,
                            open -> open);
                    int atReopen = writers.committed();
                    Eventually.until("rows written after it", Duration.ofSeconds(15), () -> writers.committed() >= atReopen + 5, d -> d);
                }
                awaitRow(record, sentinel(db, "java_expiring"), Duration.ofSeconds(20));
                assertTrue(calls.get() >= 2, "a fresh token for the new connection");
                assertFalse(record.changes.isEmpty());
                assertEveryChangeOnceInOrder(db, "java_expiring", record);
            }
        }
    }

    /** A captured table that only {@link #ROLE} may read: the harness makes anonymous callers admins, the grant closes it. */
    private static void securedTable(RunningPlank plank, java.sql.Connection db, String table) throws Exception {
        capturedTable(plank, db, table);
        var response = new Api(plank).put("/tables/" + table + "/grants", Api.JSON, "{\"read\":[\"" + ROLE + "\"],\"write\":[]}");
        assertEquals(200, response.statusCode(), response.body());
    }

    private static void sleepQuietly(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
