package io.plank.testsupport.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.postgresql.ds.PGSimpleDataSource;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh {@link TestDatabase} for a test class, set up before its {@code @BeforeAll}/{@code @BeforeEach} methods
 * run and dropped after its {@code @AfterAll}/{@code @AfterEach} methods, with the connections it handed out.
 *
 * <p>Registered with {@code @RegisterExtension}, its lifetime is the field's, as with Testcontainers' {@code @Container}:
 * a {@code static} field gives the class one database, an instance field gives every test its own (JUnit calls
 * an instance field's extension for each test only).
 *
 * <p>The set-up is a parameter because the schema lives in plank-persistence, whose own tests use this module:
 * {@code FreshDatabase.migratedBy(SchemaMigrator::migrate)}.
 */
public final class FreshDatabase implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {

    /** What a new database gets before the class's own set-up runs. */
    @FunctionalInterface
    public interface SetUp {
        void prepare(TestDatabase database) throws Exception;
    }

    private final SetUp setUp;
    private TestDatabase database;
    private boolean perClass;
    private boolean inTest;
    private final List<Connection> classConnections = new ArrayList<>();
    private final List<Connection> testConnections = new ArrayList<>();

    private FreshDatabase(SetUp setUp) {
        this.setUp = setUp;
    }

    /** An empty database. */
    public static FreshDatabase empty() {
        return new FreshDatabase(database -> { });
    }

    /** A database migrated through its unpooled data source, e.g. by {@code SchemaMigrator::migrate}. */
    public static FreshDatabase migratedBy(Consumer<? super DataSource> migration) {
        return new FreshDatabase(database -> migration.accept(database.dataSource()));
    }

    /** A database prepared by {@code setUp}, for a set-up that needs more than a data source. */
    public static FreshDatabase preparedBy(SetUp setUp) {
        return new FreshDatabase(setUp);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        perClass = true;
        database = create();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        inTest = true;
        if (!perClass) {
            database = create();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        inTest = false;
        closeAll(testConnections);
        if (!perClass) {
            drop();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeAll(classConnections);
        drop();
    }

    private TestDatabase create() throws Exception {
        var created = TestDatabase.create();
        try {
            setUp.prepare(created);
        } catch (Exception | Error e) {
            created.close();
            throw e;
        }
        return created;
    }

    private void drop() {
        if (database != null) { // null when its set-up failed
            database.close();
            database = null;
        }
    }

    /** The database itself, for what needs its URL and credentials. */
    public TestDatabase get() {
        if (database == null) {
            throw new IllegalStateException("No database outside a test: is the field annotated with @RegisterExtension?");
        }
        return database;
    }

    /** An unpooled data source for the database. */
    public PGSimpleDataSource dataSource() {
        return get().dataSource();
    }

    /** A new connection, autocommit on, that the caller closes. */
    public Connection connect() throws SQLException {
        return get().connect();
    }

    /**
     * A new connection, autocommit on, that this extension closes after the current test, or after the class when
     * opened outside a test ({@code @BeforeAll}).
     */
    public Connection connection() throws SQLException {
        var connection = connect();
        (inTest ? testConnections : classConnections).add(connection);
        return connection;
    }

    private static void closeAll(List<Connection> connections) {
        for (var connection : connections) {
            try {
                connection.close();
            } catch (SQLException e) {
                // Closed as far as it can be (a test may have ended its backend); the database is dropped next.
            }
        }
        connections.clear();
    }
}
