package io.plank.web.socket.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringReader;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.websocket.SendResult;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.domain.access.RowBinding;
import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.domain.filter.Filter;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.persistence.rows.RowFilter;
import io.plank.persistence.rows.TableRows;
import io.plank.testsupport.db.FreshDatabase;
import io.plank.web.security.Caller;
import io.plank.web.socket.outbox.ScriptedRemote;
import io.plank.web.socket.outbox.Trouble;
import io.plank.web.socket.protocol.Frames;
import io.plank.web.socket.protocol.Relation;

/** What one change is to subscriptions with filters and row bindings (filters typed by the real PostgreSQL). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FanoutTest {

    private static final long AT = 1_795_252_114_411_430L;

    @RegisterExtension
    static final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);
    private static RowFilter paid;
    private static RowFilter tenant;

    @BeforeAll
    static void filters() throws SQLException {
        try (var connection = database.connect(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE orders (id bigint PRIMARY KEY, status text, tenant text)");
            statement.execute("SELECT plank.capture('orders')");
        }
        var rows = new TableRows(database.dataSource());
        var shape = rows.shape("orders").orElseThrow();
        paid = rows.filter(shape, Filter.parse("status=eq.paid"));
        tenant = rows.filter(shape, new RowBinding("orders", "tenant", "tenant").narrow(null, List.of("t1")).orElseThrow());
    }

    @Test
    void aTruncateIsForEverySubscriptionWhateverItsFilterOrBinding() {
        var truncate = new Fanout(new ChangeEvent(9, "orders", Action.TRUNCATE, null, null, null, AT, false), new TableStats());
        var bound = Subscription.live("mine", "orders", tenant, true).bound(true);

        assertEquals(Relation.CHANGE, Subscription.live(null, "orders", RowFilter.ALL).relate(truncate));
        assertEquals(Relation.CHANGE, Subscription.live("paid", "orders", paid, true).relate(truncate));
        assertEquals(Relation.CHANGE, bound.relate(truncate), "it carries no row, so no binding hides anything");
        assertEquals("{\"subs\":[\"mine\"],\"type\":\"change\",\"seq\":9,\"table\":\"orders\",\"action\":\"TRUNCATE\","
                + "\"id\":null,\"data\":null,\"at\":\"2026-11-21T09:08:34.411430Z\"}",
                truncate.frame(Relation.CHANGE, List.of("mine")).text());
    }

    @Test
    void aTruncateHeldDuringASnapshotGoesOutAfterItUnlessTheSnapshotAlreadyReflectsIt() {
        var trouble = new Trouble();
        var remote = new ScriptedRemote(handler -> handler.onResult(new SendResult()));
        var client = new Client(trouble.outbox(remote, 1_000), Caller.anonymous(List.of()), "127.0.0.1", (ignored, subscription) -> { });
        var subscription = Subscription.catchingUp("paid", "orders", paid, 0, 10, true);
        client.put(subscription);
        for (long seq : new long[] {11, 12}) {
            client.deliver(new Fanout(new ChangeEvent(seq, "orders", Action.TRUNCATE, null, null, null, AT, false), new TableStats()));
        }

        subscription.goLiveAfterSnapshot(10, new long[] {11}, client.outbox()); // the snapshot saw 11 committed, not 12
        client.outbox().flush();

        assertEquals(List.of("TRUNCATE 12"), remote.sent.stream().map(text -> Frames.JSON.createReader(new StringReader(text)).readObject())
                .map(frame -> frame.getString("action") + " " + frame.getInt("seq")).toList());
    }

    @Test
    void anInsertStillGoesOnlyWhereItsRowPasses() {
        var insert = new Fanout(new ChangeEvent(10, "orders", Action.INSERT, "1",
                "{\"id\": 1, \"status\": \"open\", \"tenant\": \"t2\"}", null, AT, false), new TableStats());
        assertEquals(Relation.NONE, Subscription.live("paid", "orders", paid, true).relate(insert));
        assertEquals(Relation.NONE, Subscription.live("mine", "orders", tenant, true).bound(true).relate(insert));
    }
}
