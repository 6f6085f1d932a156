package io.plank.web.management;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.plank.domain.change.CaptureMode;
import io.plank.domain.change.TableName;
import io.plank.health.jmx.PlankMBeans;
import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.capture.Captures;
import io.plank.web.socket.Sessions;
import io.plank.web.socket.fanout.Router;
import io.plank.web.socket.fanout.SessionInfo;
import io.plank.web.socket.fanout.TableStats;

/**
 * Registers {@code io.plank:type=Tables} and {@code io.plank:type=Sessions} in the platform MBean server when the web application starts and
 * unregisters it when it stops (replacing one a failed undeployment left). JMX is the server operator's own
 * channel, so these operations do not depend on {@code plank.admin.enabled}, which guards the HTTP admin API.
 */
@ApplicationScoped
public class WebManagement {

    private static final Logger LOG = Logger.getLogger(WebManagement.class.getName());

    @Inject
    Router router;

    @Inject
    CapturedTables capturedTables;

    @Inject
    Captures captures;

    @Inject
    Sessions sessions;

    private final PlankMBeans mBeans = new PlankMBeans();

    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        mBeans.register("Tables", new Tables(), TablesMXBean.class);
        mBeans.register("Sessions", new Connections(), SessionsMXBean.class);
    }

    @PreDestroy
    void stop() {
        mBeans.unregisterAll();
    }


    private final class Tables implements TablesMXBean {

        @Override
        public Table[] getTables() {
            Map<String, Integer> subscribers = router.subscribers();
            List<Table> tables = new ArrayList<>();
            new TreeMap<>(capturedTables.all()).forEach((table, mode) -> {
                TableStats stats = router.stats(table);
                TableStats.Window window = stats.window();
                tables.add(new Table(table, mode.sqlName(), subscribers.getOrDefault(table, 0), stats.changes(),
                        window.changesPerSecond(), window.p50(), window.p99()));
            });
            return tables.toArray(Table[]::new);
        }

        @Override
        public String capture(String table, String mode) {
            try {
                TableName name = TableName.parse(table);
                CaptureMode captureMode = CaptureMode.ofSqlName(mode == null || mode.isBlank() ? "durable" : mode.strip());
                boolean created = captures.capture(name, captureMode);
                return (created ? "Captured " : "Now ") + name + " (" + captureMode.sqlName() + ")";
            } catch (RuntimeException e) {
                throw refused(e);
            }
        }

        @Override
        public void release(String table) {
            try {
                captures.release(TableName.parse(table));
            } catch (RuntimeException e) {
                throw refused(e);
            }
        }
    }

    private final class Connections implements SessionsMXBean {

        @Override
        public int getCount() {
            return sessions.count();
        }

        @Override
        public Session[] getSessions() {
            return sessions.list().stream().map(session -> new Session(session.id(), session.transport(), session.openedAt(),
                    session.subscriptions().stream().map(WebManagement::describe).toArray(String[]::new),
                    session.queued(), session.backlogChars(), session.waitingMs())).toArray(Session[]::new);
        }

        @Override
        public boolean disconnect(String id) {
            return sessions.disconnect(id);
        }
    }

    private static String describe(SessionInfo.Sub subscription) {
        return subscription.table() + (subscription.sub() == null ? "" : " [" + subscription.sub() + "]")
                + (subscription.filter().isEmpty() ? "" : " ?" + subscription.filter())
                + (subscription.live() ? " (live" : " (catching up") + ", seq " + subscription.lastSeq() + ")";
    }

    /** A JMX client has none of Plank's classes: it is told why with a JDK exception and the message alone. */
    private static IllegalArgumentException refused(RuntimeException e) {
        LOG.log(Level.FINE, "JMX operation refused", e);
        return new IllegalArgumentException(e.getMessage());
    }
}
