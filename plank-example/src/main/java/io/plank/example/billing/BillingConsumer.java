package io.plank.example.billing;

import java.net.URI;
import java.sql.SQLException;
import java.util.logging.Logger;

import javax.sql.DataSource;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.annotation.sql.DataSourceDefinition;
import jakarta.ejb.EJB;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.enterprise.concurrent.ManagedThreadFactory;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import io.plank.client.TokenSource;
import io.plank.client.consumer.ExactlyOnceConsumer;

/**
 * Starts the billing consumer when the application is deployed and stops it when it is undeployed. Its thread comes
 * from the server's {@code ManagedThreadFactory}, its steps run in container-managed transactions
 * ({@link Transactions}) on the pooled {@code java:app/jdbc/billing}, and its position is the row
 * {@code (billing, orders)} of {@code plank_consumer_positions} in the service's database. Deploy the WAR on as many
 * servers as you like: one instance is active, the others stand by.
 *
 * <p>Settings (MicroProfile Config): {@code billing.plank.url} (Plank's WebSocket, {@code ws://localhost:8080/plank/ws}),
 * {@code billing.plank.token} (a bearer token, if Plank checks them), {@code billing.table} ({@code orders}),
 * {@code billing.initial-position} (where to start without a stored position: 0, every change still retained), and
 * the database's ({@link BillingDataSource}).
 */
@Singleton
@Startup
@DataSourceDefinition(name = "java:app/jdbc/billing", className = "io.plank.example.billing.BillingDataSource",
        minPoolSize = 1, maxPoolSize = 5, transactional = true, properties = "applicationName=billing")
public class BillingConsumer {

    private static final Logger LOG = Logger.getLogger(BillingConsumer.class.getName());

    @Resource(lookup = "java:app/jdbc/billing")
    private DataSource database;

    @Resource
    private ManagedThreadFactory threads;

    @EJB
    private Transactions transactions;

    private ExactlyOnceConsumer consumer;

    @PostConstruct
    void start() {
        Config config = ConfigProvider.getConfig();
        String table = config.getOptionalValue("billing.table", String.class).orElse("orders");
        String token = config.getOptionalValue("billing.plank.token", String.class).orElse(null);
        createInvoices();
        consumer = ExactlyOnceConsumer.builder(database,
                        URI.create(config.getOptionalValue("billing.plank.url", String.class).orElse("ws://localhost:8080/plank/ws")))
                .name("billing")
                .table(table)
                .initialPosition(config.getOptionalValue("billing.initial-position", Long.class).orElse(0L))
                .threadFactory(threads)
                .transactions(transactions::inTransaction)
                .client(client -> client.tokens(TokenSource.ofJwt(() -> token)))
                .handler(new Invoicing())
                .start();
        LOG.info(() -> "Billing follows " + table);
    }

    @PreDestroy
    void stop() {
        consumer.close();
    }

    /** Handled changes since deployment, for a status page or a health check. */
    public long handledChanges() {
        return consumer.handledChanges();
    }

    private void createInvoices() {
        try (var connection = database.getConnection(); var statement = connection.createStatement()) {
            statement.execute(Invoicing.CREATE_TABLE);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create the invoices table: " + e.getMessage(), e);
        }
    }
}
