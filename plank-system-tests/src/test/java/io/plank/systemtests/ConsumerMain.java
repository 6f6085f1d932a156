package io.plank.systemtests;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.postgresql.ds.PGSimpleDataSource;

import io.plank.client.consumer.ExactlyOnceConsumer;

/**
 * A service with an exactly-once consumer, in a JVM of its own so that {@link ExactlyOnceIT} can kill it (SIGKILL):
 * every change of {@code table} is written to {@code consumedTable (seq PRIMARY KEY, ...)} in the transaction that
 * advances the consumer's position. Prints {@code active} and {@code standby} as the instance's role changes.
 *
 * <p>Arguments: Plank's WebSocket URL, the JDBC URL, user, password, consumer name, table, consumed table, and the
 * position to start from when the consumer has none stored.
 */
public final class ConsumerMain {

    private ConsumerMain() {
    }

    public static void main(String[] args) throws Exception {
        var dataSource = new PGSimpleDataSource();
        dataSource.setUrl(args[1]);
        dataSource.setUser(args[2]);
        dataSource.setPassword(args[3]);
        String consumed = args[6];
        var consumer = ExactlyOnceConsumer.builder(dataSource, URI.create(args[0]))
                .name(args[4]).table(args[5]).initialPosition(Long.parseLong(args[7]))
                .standbyInterval(Duration.ofMillis(300))
                .client(client -> client.ping(Duration.ofSeconds(1), Duration.ofMillis(1500))
                        .connectTimeout(Duration.ofSeconds(3)).backoff(Duration.ofMillis(200), Duration.ofSeconds(2)))
                .handler((db, changes) -> {
                    try (var insert = db.prepareStatement("INSERT INTO " + consumed + " (seq, tx, row_id, action, pid) VALUES (?, ?, ?, ?, ?)")) {
                        for (var change : changes) {
                            insert.setLong(1, change.seq());
                            insert.setObject(2, change.tx());
                            insert.setLong(3, Long.parseLong(change.id().toString()));
                            insert.setString(4, change.action());
                            insert.setLong(5, ProcessHandle.current().pid());
                            insert.addBatch();
                        }
                        insert.executeBatch();
                    }
                })
                .start();
        boolean wasActive = false;
        System.out.println("started " + ProcessHandle.current().pid());
        while (true) {
            boolean active = consumer.active();
            if (active != wasActive) {
                System.out.println((active ? "active" : "standby") + " handled=" + consumer.handledChanges());
                wasActive = active;
            }
            TimeUnit.MILLISECONDS.sleep(50); // reporting the role, until killed
        }
    }
}
