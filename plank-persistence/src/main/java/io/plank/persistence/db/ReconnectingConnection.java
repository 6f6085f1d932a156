package io.plank.persistence.db;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

/**
 * A connection for the application server's pool that replaces its physical connection after a fatal error.
 *
 * <p>Why: after PostgreSQL restarts, every pooled physical connection is dead, and neither server validates the
 * connections of an application-defined data source by default (WildFly keeps handing out the dead ones for good).
 * Here the call that meets the dead connection still fails, as its transaction is gone, but the next use of the
 * pooled connection opens a fresh one. Fatal means SQLState class 08 (connection exception) or 57P0x (the server
 * shut down or terminated the session).
 */
final class ReconnectingConnection implements InvocationHandler {

    private static final Logger LOG = Logger.getLogger(ReconnectingConnection.class.getName());

    /** Opens a physical connection. */
    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    private final Opener source;
    private Connection physical;
    private boolean closed;

    private ReconnectingConnection(Opener source, Connection physical) {
        this.source = source;
        this.physical = physical;
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
        switch (method.getName()) {
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
        if (physical != null && physical.isClosed()) {
            discard(); // pgjdbc closes itself after an I/O error, also one met through a Statement or ResultSet
        }
        if (physical == null) {
            if (method.getName().equals("rollback")) {
                return null; // the transaction died with the old connection; there is nothing to roll back
            }
            if (method.getName().equals("commit")) {
                throw new SQLException("The database connection was lost; the transaction did not commit", "08006");
            }
            physical = source.open();
            LOG.info("Replaced a pooled database connection that had failed");
        }
        try {
            return method.invoke(physical, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql && fatal(sql)) {
                discard();
            }
            throw cause;
        }
    }

    static boolean fatal(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P0"));
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
