package io.plank.web.incontainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.sql.Connection;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.plank.testsupport.wait.Eventually;

/**
 * Plank's MXBeans as a JMX client sees them in the running server's platform MBean server, by name and open types
 * only (no Plank class is used to read them): the listener (its state, "reconnect now"), the change log (its figures,
 * "prune now"), the captured tables (capture and release a table, a refusal with its reason) and the sessions (a
 * WebSocket client listed with its subscription, then disconnected).
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ManagementIT {

    private static final Duration WITHIN = Duration.ofSeconds(30);

    @Deployment
    static WebArchive deployment() {
        return Deployments.plank();
    }

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @ArquillianResource
    URL base;

    @Test
    void theListenerReconnectsWhenAsked() throws Exception {
        ObjectName listener = new ObjectName("io.plank:type=Listener");
        Eventually.until("the listener LISTENING", WITHIN, () -> attribute(listener, "State"), "LISTENING"::equals);
        long reconnects = (Long) server.getAttribute(listener, "Reconnects");

        server.invoke(listener, "reconnect", null, null);

        Eventually.until("a reconnect counted", WITHIN, () -> (Long) attribute(listener, "Reconnects"), count -> count > reconnects);
        Eventually.until("the listener LISTENING again", WITHIN, () -> attribute(listener, "State"), "LISTENING"::equals);
        assertTrue((Long) server.getAttribute(listener, "Lag") >= 0);
        String instance = (String) server.getAttribute(listener, "Instance");
        assertTrue(!instance.isBlank(), "the instance's name");
        Eventually.until("this instance among the database's instances", WITHIN,
                () -> Arrays.asList((String[]) attribute(listener, "Instances")), listed -> listed.stream().anyMatch(line -> line.startsWith(instance + " ")));
    }

    @Test
    void theChangeLogShowsItsFiguresAndPrunesWhenAsked() throws Exception {
        ObjectName log = new ObjectName("io.plank:type=ChangeLog");
        try (Connection sql = Sql.connect()) {
            Sql.insertItem(sql, "logged", 1);
        }
        Eventually.until("the newest seq", WITHIN, () -> (Long) attribute(log, "NewestSeq"), seq -> seq > 0);
        assertTrue((Long) server.getAttribute(log, "OldestSeq") > 0, "the status's change_log.oldest_seq");
        assertEquals(1440L, server.getAttribute(log, "RetentionMinutes"));
        assertEquals(1_000_000L, server.getAttribute(log, "MaxRows"));
        assertEquals(0L, server.invoke(log, "pruneNow", null, null), "nothing is a day old: nothing pruned, and no failure");
    }

    @Test
    void aTableIsCapturedAndReleasedThroughJmx() throws Exception {
        ObjectName tables = new ObjectName("io.plank:type=Tables");
        try (Connection sql = Sql.connect()) {
            Sql.update(sql, "CREATE TABLE jmx_orders (id int PRIMARY KEY, status text)");
        }
        String answer = (String) server.invoke(tables, "capture", new Object[] {"jmx_orders", "ephemeral"},
                new String[] {String.class.getName(), String.class.getName()});
        assertTrue(answer.contains("jmx_orders"), answer);
        Eventually.until("jmx_orders listed as ephemeral", WITHIN, () -> mode(tables, "jmx_orders"), "ephemeral"::equals);
        CompositeData listed = Arrays.stream((CompositeData[]) attribute(tables, "Tables"))
                .filter(table -> "jmx_orders".equals(table.get("name"))).findFirst().orElseThrow();
        assertEquals(0L, listed.get("framesQueued"));
        assertEquals(30L, ((CompositeData) listed.get("deliveryLatencyMs")).get("windowS"), "the status's delivery_latency_ms.window_s");

        var refusal = assertThrows(RuntimeMBeanException.class, () -> server.invoke(tables, "capture",
                new Object[] {"no_such_table", "durable"}, new String[] {String.class.getName(), String.class.getName()}));
        assertTrue(refusal.getCause() instanceof IllegalArgumentException && refusal.getCause().getMessage().contains("no_such_table"),
                "refused with the reason, as a JDK exception: " + refusal.getCause());

        server.invoke(tables, "release", new Object[] {"jmx_orders"}, new String[] {String.class.getName()});
        Eventually.until("jmx_orders no longer listed", WITHIN, () -> mode(tables, "jmx_orders"), mode -> mode == null);
    }

    @Test
    void theSessionsAreListedAndOneIsDisconnected() throws Exception {
        ObjectName sessions = new ObjectName("io.plank:type=Sessions");
        assertEquals(false, server.invoke(sessions, "disconnect", new Object[] {"no-such-session"}, new String[] {String.class.getName()}));

        var closed = new CompletableFuture<Integer>();
        WebSocket client = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(base.toString().replaceFirst("^http", "ws") + "ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
                        closed.complete(code);
                        return null;
                    }
                }).get(20, TimeUnit.SECONDS);
        client.sendText("{\"type\":\"subscribe\",\"table\":\"items\",\"sub\":\"jmx\"}", true).get(10, TimeUnit.SECONDS);
        CompositeData session = Eventually.until("the session listed with its subscription", WITHIN,
                () -> Arrays.stream((CompositeData[]) attribute(sessions, "Sessions"))
                        .filter(listed -> Arrays.stream((String[]) listed.get("subscriptions")).anyMatch(sub -> sub.startsWith("items [jmx]")))
                        .findFirst().orElse(null),
                listed -> listed != null);
        assertEquals("websocket", session.get("transport"));
        assertTrue((Integer) attribute(sessions, "Open") >= 1, "the status's sessions.open");
        assertTrue((Long) attribute(sessions, "BacklogLimitChars") > 0, "the status's sessions.backlog_limit_chars");

        assertEquals(true, server.invoke(sessions, "disconnect", new Object[] {session.get("id")}, new String[] {String.class.getName()}));
        assertEquals(1008, closed.get(20, TimeUnit.SECONDS), "closed as a policy violation: not retried at once");
    }

    private String mode(ObjectName tables, String name) {
        CompositeData[] listed = (CompositeData[]) attribute(tables, "Tables");
        return Arrays.stream(listed).filter(table -> name.equals(table.get("name"))).map(table -> (String) table.get("mode"))
                .findFirst().orElse(null);
    }

    private Object attribute(ObjectName name, String attribute) {
        try {
            return server.getAttribute(name, attribute);
        } catch (Exception e) {
            throw new AssertionError("Reading " + name + " " + attribute + ": " + e, e);
        }
    }
}
