package io.plank.persistence.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Plank's database coordinates: {@code plank.db.url}, {@code plank.db.user} and {@code plank.db.password}
 * (environment: {@code PLANK_DB_URL}, {@code PLANK_DB_USER}, {@code PLANK_DB_PASSWORD}).
 *
 * <p>Read from MicroProfile Config rather than injected, because the container instantiates
 * {@link PlankDataSource} itself, outside CDI, and the listener needs the same values for the
 * connection it owns.
 */
public record DatabaseSettings(String url, String user, String password) {

    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/plank";

    public DatabaseSettings {
        Objects.requireNonNull(url, "url");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("plank.db.url must be a jdbc:postgresql: URL, was " + url);
        }
    }

    public static DatabaseSettings fromConfig() {
        return fromConfig(ConfigProvider.getConfig(DatabaseSettings.class.getClassLoader()));
    }

    public static DatabaseSettings fromConfig(Config config) {
        return new DatabaseSettings(
                config.getOptionalValue("plank.db.url", String.class).orElse(DEFAULT_URL),
                config.getOptionalValue("plank.db.user", String.class).orElse("postgres"),
                config.getOptionalValue("plank.db.password", String.class).orElse(""));
    }

    /** A data source that opens a new physical connection each time: for Flyway and for the listener. */
    public PGSimpleDataSource unpooled(String applicationName) {
        var dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        dataSource.setApplicationName(applicationName);
        return dataSource;
    }

    public Connection open(String applicationName) throws SQLException {
        return unpooled(applicationName).getConnection();
    }

    @Override
    public String toString() {
        return "DatabaseSettings[url=" + url + ", user=" + user + "]";
    }
}
