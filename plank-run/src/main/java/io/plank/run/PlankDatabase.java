package io.plank.run;

import java.sql.SQLException;
import java.util.Map;
import java.util.logging.Logger;
import java.util.regex.Pattern;

import org.postgresql.ds.PGSimpleDataSource;

/** The database the run command uses: PLANK_DB_* if set, else {@code plank} on the local PostgreSQL. */
record PlankDatabase(String url, String user, String password) {

    /** Where the local PostgreSQL is looked for, and started if none answers. */
    static final int DEFAULT_PORT = 5432;

    private static final Logger LOG = Logger.getLogger(PlankDatabase.class.getName());
    private static final Pattern DATABASE_IN_URL = Pattern.compile("^(jdbc:postgresql://[^/]*/)([^?]+)(.*)$");

    static PlankDatabase fromEnvironment() {
        return new PlankDatabase(env("PLANK_DB_URL", "jdbc:postgresql://127.0.0.1:" + DEFAULT_PORT + "/plank"),
                env("PLANK_DB_USER", "postgres"), env("PLANK_DB_PASSWORD", ""));
    }

    /** Creates the database when it is missing, connected to the server's {@code postgres} database. */
    void createIfMissing() throws SQLException {
        var matcher = DATABASE_IN_URL.matcher(url);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("PLANK_DB_URL must look like jdbc:postgresql://host:port/database, not " + url);
        }
        String name = matcher.group(2);
        String maintenanceUrl = matcher.group(1) + "postgres" + matcher.group(3);
        var maintenance = new PGSimpleDataSource();
        maintenance.setURL(maintenanceUrl);
        maintenance.setUser(user);
        maintenance.setPassword(password);
        try (var connection = maintenance.getConnection();
             var exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, name);
            try (var rows = exists.executeQuery()) {
                if (rows.next()) {
                    return;
                }
            }
            try (var create = connection.createStatement()) {
                create.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
            }
            LOG.info(() -> "Created database " + name);
        }
    }

    Map<String, String> plankEnvironment() {
        return Map.of("PLANK_DB_URL", url, "PLANK_DB_USER", user, "PLANK_DB_PASSWORD", password);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
