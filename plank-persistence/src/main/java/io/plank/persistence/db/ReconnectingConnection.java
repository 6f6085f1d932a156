package io.plank.persistence.db;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

/**
 * A connection for the application server's pool that replaces its physical connection when the server session
 * behind it has died, as every pooled one has after PostgreSQL restarts.
 *
 * <p>Why: WildFly cannot validate the connections of an application-defined data source (its pool for one has no
 * valid-connection-checker and no exception sorter, and cannot be given one) and would keep handing out the dead
 * ones for good, so each would fail one request. Payara validates them itself and gets no such wrapper
 * ({@link PlankDataSource}). Two checks cover it:
 * <ul>
 * <li>Before a connection that sat idle for {@value #IDLE_CHECK_MILLIS} ms or more is used outside a transaction, it
 * is checked with {@link Connection#isValid} (one empty query) and replaced if dead; the same window HikariCP uses.
 * A busy connection pays nothing.</li>
 * <li>A fatal error met in use (SQLState class 08, connection exception, or 57P0x, the server shut down or terminated
 * the session) discards the physical connection, and the next use opens a fresh one.</li>
 * </ul>
 * A transaction that was open on a dead connection is lost, and nothing pretends otherwise: until it is rolled back,
 * every call fails with 08003, so no later statement of it runs (and commits) on the fresh connection, and a
 * {@code commit} fails with 08006. The fresh connection gets the auto-commit, isolation and read-only settings the
 * pool had set.
 */
final class ReconnectingConnection implements InvocationHandler {

    static final long IDLE_CHECK_MILLIS = 500;
    private static final long IDLE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(IDLE_CHECK_MILLIS);

    private static final Logger LOG = Logger.getLogger(ReconnectingConnection.class.getName());
    private static final int VALIDATION_TIMEOUT_SECONDS = 5;

    /** Opens a physical connection. */
    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    private final Opener source;
    private Connection physical;
    private boolean closed;
    private long lastUsed = System.nanoTime();

    private boolean autoCommit = true;
    private Integer isolation;
    private boolean readOnly;
    /** Since the last commit, rollback or auto-commit change, a call did work inside a transaction. */
    private boolean inTransaction;
    /** A transaction's connection died: only its end (rollback, commit) is accepted until then. */
    private boolean transactionLost;

    private ReconnectingConnection(Opener source, Connection physical) throws SQLException {
        this.source = source;
        this.physical = physical;
        this.autoCommit = physical.getAutoCommit();
    }

    static Connection open(DataSource source) throws SQLException {
        return open(source::getConnection);
    }

    static Connection open(Opener source) throws SQLException {
        return (Connection) Proxy.newProxyInstance(ReconnectingConnection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new ReconnectingConnection(source, source.open()));
    }

    @Override
    public synchronized Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        switch (name) {
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            case "toString":
                return "ReconnectingConnection[" + physical + "]";
            case "close":
                closed = true;
                discard();
                return null;
            case "isClosed":
                return closed;
            default:
                break;
        }
        try {
            return call(method, args);
        } catch (SQLException e) {
            throw declared(method, e);
        }
    }

    private Object call(Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (physical != null && physical.isClosed()) {
            lose(); // pgjdbc closes itself after an I/O error, also one met through a Statement or ResultSet
        }
        if (transactionLost) {
            return endLostTransaction(name, args);
        }
        if (physical == null) {
            if (name.equals("rollback") || name.equals("commit")) {
                return null; // no work was done since the connection was lost, so nothing to end
            }
            reopen("had failed");
        } else if (!inTransaction && System.nanoTime() - lastUsed >= IDLE_CHECK_NANOS
                && !physical.isValid(VALIDATION_TIMEOUT_SECONDS)) {
            discard();
            reopen("had died while idle");
        }
        try {
            Object result = method.invoke(physical, args);
            track(name, args);
            return result;
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql && ConnectionFailures.isConnectionFailure(sql)) {
                lose();
            }
            throw cause;
        } finally {
            lastUsed = System.nanoTime();
        }
    }

    /**
     * {@code e} as {@code method} may throw it: a failure to reopen can meet any call, also {@code setClientInfo},
     * which declares only {@link SQLClientInfoException} (the pool calls it when a connection is returned).
     */
    private static SQLException declared(Method method, SQLException e) {
        for (Class<?> type : method.getExceptionTypes()) {
            if (type.isInstance(e)) {
                return e;
            }
        }
        return new SQLClientInfoException(e.getMessage(), e.getSQLState(), e.getErrorCode(), Map.of(), e);
    }

    /** Keeps what the fresh connection must repeat, and whether a transaction holds work. */
    private void track(String name, Object[] args) {
        switch (name) {
            case "setAutoCommit" -> {
                autoCommit = (Boolean) args[0];
                inTransaction = false;
            }
            case "commit", "rollback" -> inTransaction = args != null && args.length > 0; // to a savepoint: still open
            case "setTransactionIsolation" -> isolation = (Integer) args[0];
            case "setReadOnly" -> readOnly = (Boolean) args[0];
            default -> inTransaction |= !autoCommit && !name.startsWith("get") && !name.startsWith("is");
        }
    }

    private Object endLostTransaction(String name, Object[] args) throws SQLException {
        switch (name) {
            case "rollback" -> {
                if (args == null || args.length == 0) {
                    transactionLost = false;
                    return null;
                }
            }
            case "commit", "setAutoCommit" -> {
                transactionLost = false;
                if (name.equals("setAutoCommit")) {
                    autoCommit = (Boolean) args[0];
                }
                throw new SQLException("The database connection was lost; the transaction did not commit", "08006");
            }
            case "getAutoCommit" -> {
                return autoCommit;
            }
            default -> {
            }
        }
        throw new SQLException("The database connection was lost in the middle of a transaction; roll it back", "08003");
    }

    /** The physical connection failed: drop it, and with it the transaction it held, if any. */
    private void lose() {
        discard();
        if (inTransaction) {
            transactionLost = true;
            inTransaction = false;
        }
    }

    private void reopen(String why) throws SQLException {
        Connection fresh = source.open();
        try {
            fresh.setAutoCommit(autoCommit);
            if (isolation != null) {
                fresh.setTransactionIsolation(isolation);
            }
            fresh.setReadOnly(readOnly);
        } catch (SQLException e) {
            fresh.close();
            throw e;
        }
        physical = fresh;
        LOG.info(() -> "Replaced a pooled database connection that " + why);
    }

    private void discard() {
        if (physical != null) {
            try {
                physical.close();
            } catch (SQLException e) {
                LOG.log(Level.FINE, "Closing a failed connection failed; it is dropped anyway", e);
            }
            physical = null;
        }
    }
}
