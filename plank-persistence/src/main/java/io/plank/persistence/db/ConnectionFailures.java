package io.plank.persistence.db;

import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Tells a lost or refused database connection from every other database error. Such a failure is the database's
 * absence, not the request's fault or a bug: the REST API answers it with 503 so clients retry.
 *
 * <p>Which: SQLState class 08 (connection exception: refused, broken, lost mid-transaction) and 57P0x (the server
 * shut down or terminated the session).
 */
public final class ConnectionFailures {

    private ConnectionFailures() {
    }

    public static boolean isConnectionFailure(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P0"));
    }

    /**
     * Whether {@code failure} comes from one, anywhere in its causes: servers and JPA providers wrap the driver's
     * exception in several layers of their own, and pools chain it with {@link SQLException#getNextException}.
     */
    public static boolean causedByConnectionFailure(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException e = sql; e != null && (e == sql || seen.add(e)); e = e.getNextException()) {
                    if (isConnectionFailure(e)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
