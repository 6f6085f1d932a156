package io.plank.persistence.db;

import java.sql.SQLException;

/**
 * A database call failed; the driver's {@link SQLException} is the cause. Unchecked, as JPA's own exceptions are,
 * so that callers handle it where they can do something about it ({@link ConnectionFailures} tells a lost
 * database from the rest).
 */
public class DatabaseException extends RuntimeException {

    public DatabaseException(String message, SQLException cause) {
        super(message + ": " + cause.getMessage(), cause);
    }
}
