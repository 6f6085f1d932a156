package io.plank.persistence.db;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.postgresql.ds.PGSimpleDataSource;

/**
 * The data source class behind Plank's pooled {@code java:app/jdbc/plank}, configured from
 * {@link DatabaseSettings} (MicroProfile Config: environment variables, system properties, or the
 * server's own config sources). The application server pools it; each connection it hands the pool heals
 * itself after PostgreSQL restarts ({@link ReconnectingConnection}).
 *
 * <p>Why a class of Plank's own: {@code @DataSourceDefinition} placeholders are not portable between
 * Payara ({@code ${MPCONFIG=...}}) and WildFly ({@code ${env.X}}, off by default), while every server
 * instantiates a named data source class the same way.
 */
public class PlankDataSource implements DataSource {

    private static final int CONNECT_TIMEOUT_SECONDS = 5;

    private final PGSimpleDataSource delegate;

    public PlankDataSource() {
        delegate = DatabaseSettings.fromConfig().unpooled("plank");
        delegate.setConnectTimeout(CONNECT_TIMEOUT_SECONDS);
        delegate.setLoginTimeout(CONNECT_TIMEOUT_SECONDS);
    }

    /**
     * The name the pool's connections show in {@code pg_stat_activity}. Also the one property the
     * data source definition sets: WildFly refuses a data source class with no connection property.
     */
    public void setApplicationName(String applicationName) {
        delegate.setApplicationName(applicationName);
    }

    public String getApplicationName() {
        return delegate.getApplicationName();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return ReconnectingConnection.open(delegate);
    }

    /** Pools may pass the definition's (absent) credentials; then Plank's own settings apply. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        if (username == null || username.isEmpty()) {
            return getConnection();
        }
        return ReconnectingConnection.open(() -> delegate.getConnection(username, password));
    }

    @Override
    public PrintWriter getLogWriter() {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        return delegate.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || delegate.isWrapperFor(type);
    }
}
