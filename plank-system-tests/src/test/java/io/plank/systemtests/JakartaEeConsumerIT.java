package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

import io.plank.testsupport.wait.Eventually;

/**
 * The example service (plank-example, {@code billing.war}) deployed on the same server beside Plank: its consumer,
 * started at deployment, invoices each paid order in container-managed transactions, exactly once, also when the
 * service is undeployed and deployed again while orders are being paid.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JakartaEeConsumerIT {

    private static final Logger LOG = Logger.getLogger(JakartaEeConsumerIT.class.getName());
    private static final String SERVICE = "billing";
    private static final String ORDERS = "ee_orders";
    private static final int WRITERS = 2;
    /** Each writer writes at least this many orders, and goes on until the service has been deployed again. */
    private static final int ORDERS_PER_WRITER = 150;

    @Test
    void theExampleServiceInvoicesEachPaidOrderOnceThoughItIsRedeployedMeanwhile(RunningPlank plank) throws Exception {
        try (var db = plank.connect()) {
            Sql.createTable(db, ORDERS, "(id bigserial PRIMARY KEY, amount numeric(10,2) NOT NULL, status text NOT NULL)");
            Sql.execute(db, "DROP TABLE IF EXISTS invoices");
            if (Sql.queryString(db, "SELECT to_regclass('plank_consumer_positions')::text") != null) {
                Sql.execute(db, "DELETE FROM plank_consumer_positions WHERE consumer = '" + SERVICE + "'");
            }
            JavaClients.awaitSubscribable(plank, ORDERS, "durable");
            long start = LoggedChanges.newestSeq(db);
            Path war = configured(plank, start);

            plank.deployBeside(war, SERVICE);
            try {
                ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
                List<Future<?>> written = new ArrayList<>();
                var redeployedService = new AtomicBoolean();
                for (int writer = 0; writer < WRITERS; writer++) {
                    written.add(writers.submit(() -> writeAndPayOrders(plank, redeployedService)));
                }
                Eventually.until("the first invoices", Duration.ofSeconds(60), () -> count(db, "invoices"), count -> count > 20);
                plank.undeployBeside(SERVICE); // the service stops (its consumer closes) while orders go on being paid
                long undeployed = LoggedChanges.newestSeq(db);
                TimeUnit.SECONDS.sleep(1);
                long redeployed = LoggedChanges.newestSeq(db);
                plank.deployBeside(war, SERVICE);
                redeployedService.set(true);
                writers.shutdown();
                for (Future<?> writer : written) {
                    writer.get(2, TimeUnit.MINUTES);
                }

                List<Long> paid = paidChanges(db, start);
                assertTrue(paid.stream().anyMatch(seq -> seq > undeployed && seq <= redeployed), "orders were paid while the service was away");
                assertEquals(Sql.queryLong(db, "SELECT count(*) FROM " + ORDERS + " WHERE status = 'paid'"), paid.size(),
                        "each order paid once in the log");
                assertTrue(paid.size() >= WRITERS * ORDERS_PER_WRITER, "every writer's orders paid");
                Eventually.until("every paid order invoiced", Duration.ofMinutes(2), () -> count(db, "invoices"),
                        count -> count >= paid.size(), () -> "server log: " + plank.logFile());
                assertEquals(paid, seqs(db, "SELECT seq FROM invoices ORDER BY seq"), "one invoice per paid order's change, none twice");
                assertEquals(Sql.queryLong(db, "SELECT max(seq) FROM plank.change_log WHERE table_name = '" + ORDERS + "'"),
                        Sql.queryLong(db, "SELECT seq FROM plank_consumer_positions WHERE consumer = '" + SERVICE + "' AND table_name = '"
                                + ORDERS + "'"), "the stored position is the table's last change");
                assertEquals(0, Sql.queryLong(db, "SELECT count(*) FROM invoices i JOIN " + ORDERS + " o ON o.id = i.order_id"
                        + " WHERE o.amount <> i.amount"), "each invoice for its order's amount");
                LOG.info(() -> plank.kind().id() + ": " + paid.size() + " paid orders invoiced once by the service deployed beside Plank");
            } finally {
                plank.undeployBeside(SERVICE);
            }
        }
    }

    /**
     * Inserts orders as new and pays them in later transactions: of every five, the first two one by one and the other
     * three in one transaction (three changes for the consumer to handle whole).
     */
    private static Void writeAndPayOrders(RunningPlank plank, AtomicBoolean redeployed) throws SQLException, InterruptedException {
        try (var db = plank.connect()) {
            List<Long> unpaid = new ArrayList<>();
            for (int i = 1; i <= ORDERS_PER_WRITER || !redeployed.get() || !unpaid.isEmpty(); i++) {
                unpaid.add(Sql.queryLong(db, "INSERT INTO " + ORDERS + " (amount, status) VALUES (" + (i * 7 % 500 + 0.5)
                        + ", 'new') RETURNING id"));
                if (unpaid.size() == 5) {
                    pay(db, unpaid.subList(0, 1));
                    pay(db, unpaid.subList(1, 2));
                    db.setAutoCommit(false);
                    pay(db, unpaid.subList(2, 5));
                    db.commit();
                    db.setAutoCommit(true);
                    unpaid.clear();
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }
        return null;
    }

    private static void pay(Connection db, List<Long> orders) throws SQLException {
        for (long id : orders) {
            Sql.execute(db, "UPDATE " + ORDERS + " SET status = 'paid' WHERE id = " + id);
        }
    }

    /** A copy of the example WAR whose {@code microprofile-config.properties} points it at this Plank and its database. */
    private static Path configured(RunningPlank plank, long start) throws IOException {
        Path war = Path.of("target", "example", plank.kind().id() + "-" + SERVICE + ".war").toAbsolutePath();
        Files.createDirectories(war.getParent());
        Files.copy(Path.of(System.getProperty("plank.example.war")), war, StandardCopyOption.REPLACE_EXISTING);
        var database = (PGSimpleDataSource) plank.dataSource();
        String config = String.join("\n",
                "billing.plank.url=" + plank.webSocket(""),
                "billing.db.url=" + database.getUrl(),
                "billing.db.user=" + database.getUser(),
                "billing.db.password=" + (database.getPassword() == null ? "" : database.getPassword()),
                "billing.table=" + ORDERS,
                "billing.initial-position=" + start, "");
        try (var zip = FileSystems.newFileSystem(URI.create("jar:" + war.toUri()), Map.of())) {
            Path file = zip.getPath("WEB-INF/classes/META-INF/microprofile-config.properties");
            Files.createDirectories(file.getParent());
            Files.writeString(file, config.replace(":", "\\:"));
        }
        return war;
    }

    private static List<Long> paidChanges(Connection db, long after) throws SQLException {
        return seqs(db, "SELECT seq FROM plank.change_log WHERE table_name = '" + ORDERS + "' AND seq > " + after
                + " AND new_row ->> 'status' = 'paid' ORDER BY seq");
    }

    private static List<Long> seqs(Connection db, String query) throws SQLException {
        List<Long> seqs = new ArrayList<>();
        try (var statement = db.createStatement(); var rows = statement.executeQuery(query)) {
            while (rows.next()) {
                seqs.add(rows.getLong(1));
            }
        }
        return seqs;
    }

    private static long count(Connection db, String table) {
        try {
            return Sql.queryLong(db, "SELECT count(*) FROM " + table);
        } catch (SQLException e) {
            return 0; // not created yet: the service creates it at deployment
        }
    }
}
