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
 * server's own config sources). The application server pools it.
 *
 * <p>Why a class of Plank's own: {@code @DataSourceDefinition} placeholders are not portable between
 * Payara ({@code ${MPCONFIG=...}}) and WildFly ({@code ${env.X}}, off by default), while every server
 * instantiates a named data source class the same way. It wraps {@code PGSimpleDataSource} rather than extending
 * it, so that no server can set the definition's defaults (Payara's {@code serverName=localhost}) over the URL.
 *
 * <p>Who checks pooled connections after PostgreSQL restarts: Payara's pool, told to by the {@code fish.payara.*}
 * properties of the definition. WildFly's pool cannot for an application-defined data source (it builds such a
 * pool with no validation at all; docs/ARCHITECTURE.md has the evidence), so everywhere but on Payara each
 * connection heals itself ({@link ReconnectingConnection}).
 */
public class PlankDataSource implements DataSource {

    private static final Logger LOG = Logger.getLogger(PlankDataSource.class.getName());
    private static final int CONNECT_TIMEOUT_SECONDS = 5;

    private final PGSimpleDataSource delegate;
    private final boolean healing;

    public PlankDataSource() {
        delegate = DatabaseSettings.fromConfig().unpooled("plank");
        delegate.setConnectTimeout(CONNECT_TIMEOUT_SECONDS);
        delegate.setLoginTimeout(CONNECT_TIMEOUT_SECONDS);
        healing = !serverPoolValidates();
        LOG.fine(() -> healing ? "Pooled connections check themselves before use (the server's pool does not validate them)"
                : "The server's pool validates pooled connections");
    }

    /** Payara Server and Payara Micro name their instance directory here; they validate as the definition asks. */
    static boolean serverPoolValidates() {
        return System.getProperty("com.sun.aas.instanceRoot") != null;
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
        return healing ? ReconnectingConnection.open(delegate) : delegate.getConnection();
    }

    /** Pools may pass the definition's (absent) credentials; then Plank's own settings apply. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        if (username == null || username.isEmpty()) {
            return getConnection();
        }
        return healing ? ReconnectingConnection.open(() -> delegate.getConnection(username, password))
                : delegate.getConnection(username, password);
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
