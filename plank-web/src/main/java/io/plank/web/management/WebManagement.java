package io.plank.web.management;

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
import io.plank.health.jmx.SharedReading;
import io.plank.persistence.capture.Captures;
import io.plank.web.overview.Overview;
import io.plank.web.overview.Snapshot;
import io.plank.web.socket.Sessions;
import io.plank.web.socket.fanout.SessionInfo;

/**
 * Registers {@code io.plank:type=Tables} and {@code io.plank:type=Sessions} in the platform MBean server when the web
 * application starts and unregisters them when it stops (replacing ones a failed undeployment left). Their figures are
 * the {@link Overview}'s traffic, under the status's names. JMX is the server operator's own
 * channel, so these operations do not depend on {@code plank.admin.enabled}, which guards the HTTP admin API.
 */
@ApplicationScoped
public class WebManagement {

    private static final Logger LOG = Logger.getLogger(WebManagement.class.getName());

    @Inject
    Overview overview;

    @Inject
    Captures captures;

    @Inject
    Sessions sessions;

    private final PlankMBeans mBeans = new PlankMBeans();
    /** A console reads the attributes one by one: they share one reading of the overview. */
    private final SharedReading<Overview.Traffic> traffic = new SharedReading<>(() -> overview.traffic());

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
        public long getChangesReceived() {
            return traffic.get().changesReceived();
        }

        @Override
        public Table[] getTables() {
            return traffic.get().tables().entrySet().stream().map(entry -> table(entry.getKey(), entry.getValue())).toArray(Table[]::new);
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
        public int getOpen() {
            return traffic.get().sessions().open();
        }

        @Override
        public long getMessagesDelivered() {
            return traffic.get().sessions().messagesDelivered();
        }

        @Override
        public long getClosedTooSlow() {
            return traffic.get().sessions().closedTooSlow();
        }

        @Override
        public long getFellBehind() {
            return traffic.get().sessions().fellBehind();
        }

        @Override
        public long getRefusedAdmission() {
            return traffic.get().sessions().refusedAdmission();
        }

        @Override
        public long getBacklogChars() {
            return traffic.get().sessions().backlogChars();
        }

        @Override
        public long getBacklogLimitChars() {
            return traffic.get().sessions().backlogLimitChars();
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

    static TablesMXBean.Table table(String name, Snapshot.Table table) {
        Snapshot.DeliveryLatency latency = table.deliveryLatencyMs();
        return new TablesMXBean.Table(name, table.mode(), table.subscribers(), table.changes(), table.framesQueued(), table.changesPerSecond(),
                new TablesMXBean.DeliveryLatency(latency.windowS(), latency.frames(), latency.p50(), latency.p99(), latency.max()));
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
