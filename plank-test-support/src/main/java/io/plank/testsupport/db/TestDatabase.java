package io.plank.testsupport.db;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.postgresql.ds.PGSimpleDataSource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * A database that exists for one test run and is dropped afterwards.
 *
 * <p>With a Docker engine, a Testcontainers PostgreSQL; without one, a new database on the server named by
 * {@code PLANK_TEST_PG_URL} (a JDBC URL of any database on that server, default
 * {@code jdbc:postgresql://127.0.0.1:5432/postgres}) with {@code PLANK_TEST_PG_USER} /
 * {@code PLANK_TEST_PG_PASSWORD} (default postgres / empty). Setting {@code PLANK_TEST_PG_URL} skips the
 * Docker probe.
 */
public final class TestDatabase implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TestDatabase.class.getName());

    private final String url;
    private final String user;
    private final String password;
    private final Runnable drop;

    private TestDatabase(String url, String user, String password, Runnable drop) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.drop = drop;
    }

    /**
     * Creates a fresh, empty database. Close it to drop it. On the server named by {@code PLANK_TEST_PG_URL}; else in a
     * Testcontainers PostgreSQL where Docker runs; else on the local server (127.0.0.1:5432); and where none answers,
     * on a {@link LocalPostgres} this JVM starts (under {@code target/local-postgres}) and stops when it exits.
     */
    public static TestDatabase create() {
        String serverUrl = System.getenv("PLANK_TEST_PG_URL");
        if (serverUrl == null && dockerAvailable()) {
            return inContainer();
        }
        if (serverUrl == null && !LocalPostgres.answers(5432)) {
            serverUrl = localServer();
        }
        return onServer(serverUrl == null ? "jdbc:postgresql://127.0.0.1:5432/postgres" : serverUrl,
                env("PLANK_TEST_PG_USER", "postgres"), env("PLANK_TEST_PG_PASSWORD", ""));
    }

    private static LocalPostgres local;

    private static synchronized String localServer() {
        if (local == null) {
            try (var socket = new ServerSocket(0)) {
                int port = socket.getLocalPort();
                socket.close();
                local = LocalPostgres.start(Path.of("target", "local-postgres").toAbsolutePath(), port);
            } catch (IOException e) {
                throw new IllegalStateException("No PostgreSQL answers on 127.0.0.1:5432, and one could not be started: " + e.getMessage(), e);
            }
            LOG.info(() -> "No PostgreSQL answers on 127.0.0.1:5432 and no Docker runs: the tests use one started on port " + local.port());
            Runtime.getRuntime().addShutdownHook(new Thread(local::close, "plank-local-postgres-stop"));
        }
        return local.url("postgres");
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | Error e) {
            return false;
        }
    }

    @SuppressWarnings("resource") // closed by drop
    private static TestDatabase inContainer() {
        var container = new PostgreSQLContainer<>("postgres:15-alpine").withDatabaseName("plank");
        container.start();
        return new TestDatabase(container.getJdbcUrl(), container.getUsername(), container.getPassword(), container::stop);
    }

    private static TestDatabase onServer(String serverUrl, String user, String password) {
        String name = "plank_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        execute(serverUrl, user, password, "CREATE DATABASE " + name);
        String url = serverUrl.replaceFirst("/[^/?]*(\\?|$)", "/" + name + "$1");
        Runnable drop = () -> {
            dropSlots(serverUrl, user, password, name);
            execute(serverUrl, user, password, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        };
        return new TestDatabase(url, user, password, drop);
    }

    /**
     * A logical replication slot of a database (Plank's logical capture makes one) keeps DROP DATABASE from working,
     * and slots are few on a server: its readers are ended and it is dropped first. A slot whose reader was just
     * terminated may still show as active for a moment, hence the retries.
     */
    private static void dropSlots(String url, String user, String password, String database) {
        String slots = "FROM pg_replication_slots WHERE database = '" + database + "'";
        for (int attempt = 0; attempt < 50; attempt++) {
            try (var connection = DriverManager.getConnection(url, credentials(user, password));
                 var statement = connection.createStatement()) {
                statement.execute("SELECT pg_terminate_backend(active_pid) " + slots + " AND active_pid IS NOT NULL");
                statement.execute("SELECT pg_drop_replication_slot(slot_name) " + slots + " AND NOT active");
                try (var left = statement.executeQuery("SELECT count(*) " + slots)) {
                    left.next();
                    if (left.getInt(1) == 0) {
                        return;
                    }
                }
                Thread.sleep(100);
            } catch (SQLException e) {
                LOG.log(Level.FINE, "Dropping the slots of " + database + " failed; trying again", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void execute(String url, String user, String password, String sql) {
        try (var connection = DriverManager.getConnection(url, credentials(user, password));
             var statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not run '" + sql + "' on " + url + ": " + e.getMessage(), e);
        }
    }

    private static Properties credentials(String user, String password) {
        var properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        return properties;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** An unpooled data source for this database, e.g. for Flyway. */
    public PGSimpleDataSource dataSource() {
        var dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        return dataSource;
    }

    /** A new connection to this database, autocommit on. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, credentials(user, password));
    }

    /** The environment a Plank server needs to use this database. */
    public java.util.Map<String, String> plankEnvironment() {
        return java.util.Map.of("PLANK_DB_URL", url, "PLANK_DB_USER", user, "PLANK_DB_PASSWORD", password);
    }

    @Override
    public void close() {
        try {
            drop.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Could not drop test database " + url, e);
        }
    }
}
