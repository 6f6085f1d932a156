package io.plank.client.consumer;

import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import io.plank.client.PlankClient;
import io.plank.client.Subscribe;
import io.plank.client.Subscription;
import io.plank.client.SubscriptionEvent;

/**
 * Handles every change of a table exactly once, in the service's own database: each whole transaction's changes go
 * to a {@link TransactionHandler} inside a JDBC transaction that also advances this consumer's position (a row per
 * consumer name and table, in a table created when missing). After any crash (the service, Plank, the network) it
 * resumes with {@code since} from the stored position, so a change is handled once or, if its transaction rolled back,
 * not at all and again later.
 *
 * <p><b>Several instances of one consumer name.</b> One is active, the others stand by: the active one holds a
 * PostgreSQL advisory lock (session level, on a connection of its own, so a crashed instance's lock goes with its
 * session) and the others try for it every {@code standbyInterval}. The lock only keeps the others idle; correctness
 * does not rest on it: each transaction locks the position row ({@code SELECT ... FOR UPDATE}) and goes on only if it
 * still holds the position this instance started from. An instance that lost its lock without noticing (a network
 * partition) finds the row moved, rolls back its work and stands by again.
 *
 * <pre>{@code
 * var consumer = ExactlyOnceConsumer.builder(dataSource, URI.create("ws://plank:8080/plank/ws"))
 *         .name("billing").table("orders").filter("status=eq.paid")
 *         .handler((db, changes) -> { for (var change : changes) invoice(db, change.data()); })
 *         .start();
 * }</pre>
 */
public final class ExactlyOnceConsumer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ExactlyOnceConsumer.class.getName());

    private final Builder options;
    private final Positions positions;
    private final Thread runner;
    private final AtomicLong handledChanges = new AtomicLong();
    private final AtomicLong handledTransactions = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean active;
    private volatile long position = -1;
    private volatile CompletableFuture<String> session;

    private ExactlyOnceConsumer(Builder options) {
        this.options = options;
        this.positions = new Positions(options.positionsTable, options.name, options.table);
        this.runner = options.threads.newThread(this::run);
        runner.setName("plank-consumer-" + options.name);
    }

    public static Builder builder(DataSource dataSource, URI plankUrl) {
        return new Builder(dataSource, plankUrl);
    }

    /** Whether this instance is the active one (holds the lock), as opposed to standing by. */
    public boolean active() {
        return active;
    }

    /** The position this instance last stored or read; -1 before it has been active. */
    public long position() {
        return position;
    }

    /** Changes handled and committed by this instance. */
    public long handledChanges() {
        return handledChanges.get();
    }

    public long handledTransactions() {
        return handledTransactions.get();
    }

    /** Stops: the open JDBC transaction (if any) finishes or rolls back, the lock is released, the client closed. */
    @Override
    public void close() {
        closed = true;
        var current = session;
        if (current != null) {
            current.complete("closed");
        }
        runner.interrupt();
        try {
            runner.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long pause = 0;
        while (!closed) {
            try {
                if (pause > 0) {
                    Thread.sleep(pause);
                }
                pause = options.standbyInterval.toMillis();
                try (Connection lock = options.dataSource.getConnection()) {
                    lock.setAutoCommit(true);
                    if (positions.tryLead(lock)) {
                        active = true;
                        String why;
                        try {
                            why = lead(lock);
                        } finally {
                            stepDown(lock);
                        }
                        LOG.info(() -> "Consumer " + options.name + " of " + options.table + " stepped down: " + why);
                    }
                } catch (SQLException e) {
                    LOG.log(Level.WARNING, "Consumer " + options.name + " of " + options.table + ": " + e.getMessage(), e);
                } finally {
                    active = false;
                }
            } catch (InterruptedException e) {
                if (!closed) {
                    LOG.warning(() -> "Consumer " + options.name + " interrupted");
                }
                return;
            }
        }
    }

    /** Releases the lock; a connection that is gone took it along. */
    private void stepDown(Connection lock) {
        active = false;
        try {
            positions.stepDown(lock);
        } catch (SQLException gone) {
            LOG.fine(() -> "Consumer " + options.name + ": the lock's connection is gone: " + gone.getMessage());
        }
    }

    /** Active while the lock's session lives and nothing failed; returns why it stopped. */
    private String lead(Connection lock) throws SQLException, InterruptedException {
        long start = positions.read(lock, options.initialPosition);
        position = start;
        LOG.info(() -> "Consumer " + options.name + " of " + options.table + " is active, from seq " + start);
        var stopped = new CompletableFuture<String>();
        session = stopped;
        var work = new Session(stopped, start);
        var builder = PlankClient.builder(options.plankUrl);
        options.client.accept(builder);
        try (var client = builder.build()) {
            client.onMessageHandled(work::messageHandled);
            var request = Subscribe.to(options.table).since(start);
            work.subscription = client.subscribe(options.filter == null ? request : request.filter(options.filter), work::onEvent);
            while (!closed) {
                try {
                    return stopped.get(options.standbyInterval.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillRunning) {
                    if (!lock.isValid(5)) {
                        stopped.complete("the lock's connection is gone");
                    }
                } catch (ExecutionException e) {
                    return String.valueOf(e.getCause());
                }
            }
            return "closed";
        } finally {
            stopped.complete("closed");
            session = null;
        }
    }

    /** One active period: its changes, handled on the client's thread, until something stops it. */
    private final class Session {

        private final CompletableFuture<String> stopped;
        private final TransactionAssembler assembler = new TransactionAssembler();
        private long expected;
        private volatile Subscription subscription;

        Session(CompletableFuture<String> stopped, long start) {
            this.stopped = stopped;
            this.expected = start;
        }

        void onEvent(SubscriptionEvent event) {
            if (stopped.isDone()) {
                return;
            }
            if (event instanceof SubscriptionEvent.Change change) {
                assembler.add(change);
            } else if (event instanceof SubscriptionEvent.TxEnd end) {
                assembler.end(end.tx());
            } else if (event instanceof SubscriptionEvent.Reset reset) {
                resetTo(reset.reason());
            } else if (event instanceof SubscriptionEvent.End end) {
                stopped.complete("the subscription ended: " + end.reason());
            } else if (event instanceof SubscriptionEvent.Error error) {
                LOG.warning(() -> "Consumer " + options.name + " of " + options.table + ": " + error.code() + " " + error.message());
            }
        }

        /** After each message: whole transactions, if any may go now, in one JDBC transaction with the position. */
        void messageHandled() {
            if (stopped.isDone()) {
                return;
            }
            var release = assembler.release();
            if (release != null) {
                transact(db -> {
                    for (var transaction : release.transactions()) {
                        options.handler.handle(db, transaction);
                    }
                }, release.position());
                if (!stopped.isDone()) {
                    handledChanges.addAndGet(release.changes());
                    handledTransactions.addAndGet(release.transactions().size());
                }
            }
        }

        private void resetTo(String reason) {
            assembler.clear();
            // Subscription: after a reset the stream carries on live from its `subscribed` seq.
            Long from = subscription != null ? subscription.lastSeq() : null;
            if (from == null) {
                stopped.complete("a reset without a position: " + reason);
                return;
            }
            LOG.severe(() -> "Consumer " + options.name + " of " + options.table + " missed changes after seq " + expected + ": " + reason);
            transact(db -> options.onReset.reset(db, reason, from), from);
        }

        private void transact(Work work, long to) {
            try {
                if (options.transactions != null) {
                    options.transactions.inTransaction(() -> {
                        try (Connection db = options.dataSource.getConnection()) {
                            step(db, work, to);
                        }
                        return null;
                    });
                } else {
                    try (Connection db = options.dataSource.getConnection()) {
                        db.setAutoCommit(false);
                        try {
                            step(db, work, to);
                            db.commit();
                        } catch (Exception e) {
                            db.rollback();
                            throw e;
                        }
                    }
                }
                expected = to;
                position = to;
            } catch (Exception e) {
                // A container may wrap what the work threw (an EJBException around it).
                for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                    if (cause instanceof PositionMoved moved) {
                        stopped.complete(moved.getMessage());
                        return;
                    }
                }
                LOG.log(Level.WARNING, "Consumer " + options.name + " of " + options.table + " rolled back; it starts again from seq "
                        + expected, e);
                stopped.complete("rolled back: " + e);
            }
        }

        /** The position row locked and checked, the work, the position advanced: all or nothing, with the caller's commit. */
        private void step(Connection db, Work work, long to) throws Exception {
            if (!positions.lockAndCheck(db, expected)) {
                throw new PositionMoved("another instance moved the position past seq " + expected);
            }
            work.run(db);
            positions.advance(db, to);
        }
    }

    /** Thrown to roll back: the position row no longer holds what this instance started from. */
    private static final class PositionMoved extends Exception {
        PositionMoved(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    private interface Work {
        void run(Connection db) throws Exception;
    }

    /** A consumer's settings; {@link #start()} starts it. Name, table and handler are required. */
    public static final class Builder {

        private final DataSource dataSource;
        private final URI plankUrl;
        private String name;
        private String table;
        private String filter;
        private TransactionHandler handler;
        private ResetHandler onReset = (db, reason, position) -> {
        };
        private String positionsTable = "plank_consumer_positions";
        private long initialPosition;
        private Duration standbyInterval = Duration.ofSeconds(1);
        private ThreadFactory threads = Thread::new;
        private TransactionRunner transactions;
        private Consumer<PlankClient.Builder> client = builder -> {
        };

        private Builder(DataSource dataSource, URI plankUrl) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.plankUrl = Objects.requireNonNull(plankUrl, "plankUrl");
        }

        /** The consumer's name: instances sharing it share one position per table, and one of them is active. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** The table to consume; it must be captured durably (its changes have a seq). */
        public Builder table(String table) {
            this.table = table;
            return this;
        }

        /** Only changes of rows passing it (docs/PROTOCOL.md, Filters). */
        public Builder filter(String filter) {
            this.filter = filter;
            return this;
        }

        public Builder handler(TransactionHandler handler) {
            this.handler = handler;
            return this;
        }

        /** Called, in the transaction that moves the position on, when changes were missed (a reset); by default nothing but a SEVERE log. */
        public Builder onReset(ResetHandler onReset) {
            this.onReset = onReset;
            return this;
        }

        /** Where positions are kept: {@code plank_consumer_positions} (in the connection's default schema) unless told. */
        public Builder positionsTable(String positionsTable) {
            this.positionsTable = positionsTable;
            return this;
        }

        /** Where a consumer without a stored position starts: after this seq; 0 (every change still retained) by default. */
        public Builder initialPosition(long seq) {
            this.initialPosition = seq;
            return this;
        }

        /** How often a standing-by instance tries to become active, and an active one checks its lock: 1 s. */
        public Builder standbyInterval(Duration interval) {
            this.standbyInterval = interval;
            return this;
        }

        /** Where the consumer's thread comes from (in an application server: a {@code ManagedThreadFactory}). */
        public Builder threadFactory(ThreadFactory threads) {
            this.threads = threads;
            return this;
        }

        /**
         * Runs each step in a container-managed transaction instead of committing on the connection itself: inside an
         * application server, with a JTA data source.
         */
        public Builder transactions(TransactionRunner transactions) {
            this.transactions = transactions;
            return this;
        }

        /** Adjusts the Plank client's settings (tokens, backoff, pings). */
        public Builder client(Consumer<PlankClient.Builder> client) {
            this.client = client;
            return this;
        }

        public ExactlyOnceConsumer start() {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(handler, "handler");
            var consumer = new ExactlyOnceConsumer(this);
            consumer.runner.start();
            return consumer;
        }
    }
}
