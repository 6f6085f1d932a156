package io.plank.listener.management;

import java.util.logging.Logger;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.ejb.EJB;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.inject.Inject;


import io.plank.health.ListenerStatus;
import io.plank.health.jmx.PlankMBeans;
import io.plank.health.jmx.SharedReading;
import io.plank.listener.feed.ChangeListener;
import io.plank.listener.retention.LogRetention;
import io.plank.persistence.changelog.ChangeLog;
import io.plank.persistence.changelog.Retention;

/**
 * Registers {@code io.plank:type=Listener} and {@code io.plank:type=ChangeLog} in the platform MBean server when the
 * application starts, and unregisters them when it stops, so a redeployment leaves none behind (and replaces any
 * that a failed undeployment left). Attributes carry the names of {@code /api/status}'s {@code listener} and
 * {@code change_log} in CamelCase.
 */
@Singleton
@Startup
public class ListenerManagement {

    private static final Logger LOG = Logger.getLogger(ListenerManagement.class.getName());

    @EJB
    ChangeListener listener;

    @EJB
    LogRetention pruner;

    @Inject
    Retention retention;

    @Inject
    ChangeLog changeLog;

    private final PlankMBeans mBeans = new PlankMBeans();
    /** The log's figures, one query per burst of attribute reads rather than one per attribute. */
    private final SharedReading<ChangeLog.Stats> stats = new SharedReading<>(() -> changeLog.stats());

    @PostConstruct
    void register() {
        mBeans.register("Listener", new Listener(), ListenerMXBean.class);
        mBeans.register("ChangeLog", new Log(), ChangeLogMXBean.class);
    }

    @PreDestroy
    void unregister() {
        mBeans.unregisterAll();
    }


    private final class Listener implements ListenerMXBean {

        private ListenerStatus status() {
            return listener.status();
        }

        @Override
        public String getCaptureMethod() {
            return listener.capture().method();
        }

        @Override
        public String getCaptureFallback() {
            return listener.capture().fallback();
        }

        @Override
        public String getDecoderState() {
            var decoder = listener.decoder();
            return decoder == null ? null : decoder.state();
        }

        @Override
        public String getSlot() {
            var decoder = listener.decoder();
            return decoder == null ? null : decoder.slot();
        }

        @Override
        public long getSlotLagBytes() {
            var decoder = listener.decoder();
            var lag = decoder == null ? null : decoder.lag();
            return lag == null ? -1 : lag.bytes();
        }

        @Override
        public String getSlotWalStatus() {
            var decoder = listener.decoder();
            var lag = decoder == null ? null : decoder.lag();
            return lag == null ? null : lag.walStatus();
        }

        @Override
        public String getInstance() {
            return listener.instance();
        }

        @Override
        public String[] getInstances() {
            return changeLog.instances().stream().map(instance -> instance.name() + " " + instance.seq() + " " + instance.savedAt())
                    .toArray(String[]::new);
        }

        @Override
        public String getState() {
            return status().state().name();
        }

        @Override
        public long getLastSeq() {
            return status().lastSeq();
        }

        @Override
        public long getLag() {
            return status().lagBehind(stats.get().newestSeq());
        }

        @Override
        public long getReconnects() {
            return status().reconnects();
        }

        @Override
        public long getNotificationsReceived() {
            return status().notificationsReceived();
        }

        @Override
        public String getLastNotificationAt() {
            var at = status().lastNotificationAt();
            return at == null ? null : at.toString();
        }

        @Override
        public String getLastError() {
            return status().lastError();
        }

        @Override
        public void reconnect() {
            LOG.info("Reconnecting the listener (asked through JMX)");
            listener.reconnect();
        }
    }

    private final class Log implements ChangeLogMXBean {

        @Override
        public long getNewestSeq() {
            return stats.get().newestSeq();
        }

        @Override
        public long getOldestSeq() {
            return stats.get().oldestSeq();
        }

        @Override
        public String getOldestAt() {
            var at = stats.get().oldestAt();
            return at == null ? null : at.toString();
        }

        @Override
        public long getPrunedThrough() {
            return stats.get().prunedThrough();
        }

        @Override
        public long getApproximateRows() {
            return stats.get().approximateRows();
        }

        @Override
        public long getBytes() {
            return stats.get().bytes();
        }

        @Override
        public long getRetentionMinutes() {
            return retention.retentionMinutes();
        }

        @Override
        public long getMaxRows() {
            return retention.maxRows();
        }

        @Override
        public long pruneNow() {
            return pruner.pruneNow();
        }
    }
}
