package io.plank.listener.feed;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.plank.domain.change.ChangeEvent;
import io.plank.health.CaptureInUse;
import io.plank.health.ListenerMonitor;
import io.plank.health.ListenerState;
import io.plank.health.ListenerStatus;
import io.plank.listener.logical.CaptureChoice;
import io.plank.listener.logical.CaptureMethod;
import io.plank.listener.logical.LogicalDecoder;
import io.plank.listener.logical.ReplicationSlot;
import io.plank.persistence.capture.Captures;
import io.plank.persistence.capture.ConfiguredCaptures;
import io.plank.persistence.db.DatabaseSettings;
import io.plank.persistence.migration.SchemaMigrator;

/**
 * Owns the LISTEN connection for the application's lifetime: migrates the schema, then runs a
 * {@link NotificationLoop} on a managed thread and fires each change as a CDI {@link ChangeEvent}.
 */
@Singleton
@Startup
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class ChangeListener {

    private static final Logger LOG = Logger.getLogger(ChangeListener.class.getName());
    private static final long STOP_WAIT_MS = 5_000;

    @Inject
    Event<ChangeEvent> changes;

    /** {@link io.plank.domain.change.AccessChanged} and {@link io.plank.domain.change.CatalogChanged}, in order with the changes. */
    @Inject
    Event<Object> notices;

    @Resource
    ManagedThreadFactory threads;

    @Inject
    ListenerMonitor monitor;

    @Inject
    @ConfigProperty(name = "plank.listener.poll-timeout-ms", defaultValue = "500")
    int pollTimeoutMs;

    @Inject
    @ConfigProperty(name = "plank.listener.backoff-max-ms", defaultValue = "2000")
    int backoffMaxMs;

    /**
     * Read for {@code plank.capture.tables}, the tables to capture at start-up besides those captured before
     * ({@code orders, sales.invoices:ephemeral}), as a list. Asked through {@link Config#getOptionalValues} because
     * Payara 6.2025.9 cannot inject {@code @ConfigProperty Optional<List<String>>} here (the deployment fails with a
     * ClassCastException from ParameterizedTypeImpl to Class).
     */
    @Inject
    Config config;

    private String instance;

    private volatile NotificationLoop loop;
    private Thread thread;
    private volatile LogicalDecoder decoder;
    private Thread decoderThread;
    /** Set when the application stops: a decoder not started by then never starts. */
    private boolean stopped;

    @PostConstruct
    void start() {
        // Asked through Config, not injected as Optional<String>: see plank.capture.tables above.
        instance = InstanceName.of(config.getOptionalValue("plank.instance", String.class).orElse(null));
        var database = DatabaseSettings.fromConfig();
        // A wrong method fails the deployment at once, with this message: it is not something a retry mends.
        String configuredMethod = config.getOptionalValue("plank.capture.method", String.class).orElse(null);
        if (!CaptureChoice.isAuto(configuredMethod)) {
            CaptureMethod.of(configuredMethod);
        }
        String slot = config.getOptionalValue("plank.capture.slot", String.class).orElse(null);
        // Flyway must have created the trigger before anyone relies on the feed. An unreachable database must
        // not fail the deployment, though: the loop then migrates before its first LISTEN, retrying with backoff.
        Runnable migration = () -> {
            var dataSource = database.unpooled("plank-migrate");
            SchemaMigrator.migrate(dataSource);
            CaptureChoice capture = choose(dataSource, configuredMethod, slot);
            capture.method().apply(dataSource, slot);
            ConfiguredCaptures.apply(new Captures(dataSource),
                    config.getOptionalValues("plank.capture.tables", String.class).orElse(List.of()));
            if (capture.method() == CaptureMethod.LOGICAL) {
                startDecoder(database, slot);
            }
        };
        Runnable pending = null;
        try {
            migration.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Could not migrate " + database + " at deployment; the listener will retry before it listens", e);
            pending = migration;
        }
        // Synchronous fire(): fireAsync() gives no ordering between events, and clients must see a row's changes
        // in commit order. The price is that observers run on this thread, so they must only enqueue, never block.
        loop = new NotificationLoop(database, changes::fire, notices::fire, ListenerSettings.of(pollTimeoutMs, backoffMaxMs), pending, instance);
        monitor.reportFrom(loop::status);
        monitor.named(instance);
        thread = threads.newThread(loop);
        thread.setName("plank-listener");
        thread.start();
    }

    /** Chooses the capture method ({@link CaptureChoice}) and tells the log and the monitor which, and why. */
    private CaptureChoice choose(DataSource dataSource, String configured, String configuredSlot) {
        CaptureChoice choice;
        try (Connection connection = dataSource.getConnection()) {
            choice = CaptureChoice.of(configured, connection, ReplicationSlot.name(connection, configuredSlot));
        } catch (SQLException e) {
            throw new IllegalStateException("Could not choose how to capture: " + e.getMessage(), e);
        }
        if (choice.fallback() != null) {
            LOG.warning(choice.fallback());
        } else {
            LOG.info("Capturing durable tables by " + choice.describe());
        }
        monitor.capturing(new CaptureInUse(choice.method().sqlName(), choice.auto(), choice.fallback()));
        return choice;
    }

    /** Starts the logical decoder, once: at deployment, or when the listener first reaches the database. */
    private synchronized void startDecoder(DatabaseSettings database, String slot) {
        if (decoder != null || stopped) {
            return;
        }
        decoder = new LogicalDecoder(database, slot, ListenerSettings.DEFAULT_BACKOFF_INITIAL_MS, Math.max(backoffMaxMs, 5_000));
        decoderThread = threads.newThread(decoder);
        decoderThread.setName("plank-decoder");
        decoderThread.start();
    }

    @PreDestroy
    void stop() {
        LogicalDecoder decoding;
        synchronized (this) {
            stopped = true;
            decoding = decoder;
        }
        if (decoding != null) {
            decoding.stop();
            join(decoderThread);
        }
        var running = loop;
        if (running == null) {
            return;
        }
        running.stop();
        join(thread);
    }

    private static void join(Thread thread) {
        try {
            thread.join(STOP_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warning(() -> "Thread " + thread.getName() + " did not end within " + STOP_WAIT_MS + " ms");
        }
    }

    /** How durable tables are captured, as chosen at start-up. */
    public CaptureInUse capture() {
        return monitor.capture();
    }

    /** The logical decoder, or null when durable tables are captured by trigger. */
    public LogicalDecoder decoder() {
        return decoder;
    }

    /** Drops the LISTEN connection; the listener reconnects at once and catches up (JMX's "reconnect now"). */
    public void reconnect() {
        var running = loop;
        if (running != null) {
            running.reconnect();
        }
    }

    /** The name this instance's position is saved under ({@link InstanceName}). */
    public String instance() {
        return instance;
    }

    public ListenerStatus status() {
        var running = loop;
        return running == null ? new ListenerStatus(ListenerState.STARTING, 0, 0, null, null, 0, 0) : running.status();
    }
}
