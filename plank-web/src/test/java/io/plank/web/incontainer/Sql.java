package io.plank.web.incontainer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import io.plank.persistence.db.DatabaseSettings;

/** Plain JDBC on the test database, outside JPA and JTA: a writer that is not Plank. */
final class Sql {

    private Sql() {
    }

    /** A new autocommit connection to the database the deployment is configured with. */
    static Connection connect() throws SQLException {
        return DatabaseSettings.fromConfig().open("plank-incontainer-test");
    }

    static long insertItem(Connection connection, String name, Integer value) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO items (name, value) VALUES (?, ?) RETURNING id")) {
            insert.setString(1, name);
            insert.setObject(2, value);
            try (ResultSet row = insert.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    static int update(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            return statement.executeUpdate();
        }
    }

    /** The single value of a one-row, one-column query, or null when there is no row. */
    static <T> T queryValue(Connection connection, Class<T> type, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? row.getObject(1, type) : null;
            }
        }
    }
}
