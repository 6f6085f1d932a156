package io.plank.example.billing;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.ConfigProvider;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The service's database, which the server pools as {@code java:app/jdbc/billing} ({@link BillingConsumer}'s
 * definition): PostgreSQL at {@code billing.db.url} with {@code billing.db.user} and {@code billing.db.password},
 * read from MicroProfile Config (environment variables such as {@code BILLING_DB_URL}, system properties, or the
 * WAR's {@code microprofile-config.properties}). A class of its own because data source definitions with placeholders
 * are not portable between Payara and WildFly; a service with a server-defined data source looks that up instead.
 */
public class BillingDataSource implements DataSource {

    private final PGSimpleDataSource delegate = new PGSimpleDataSource();

    public BillingDataSource() {
        var config = ConfigProvider.getConfig(BillingDataSource.class.getClassLoader()); // the WAR's, whoever's thread this is
        delegate.setUrl(config.getValue("billing.db.url", String.class));
        delegate.setUser(config.getOptionalValue("billing.db.user", String.class).orElse("postgres"));
        config.getOptionalValue("billing.db.password", String.class).ifPresent(delegate::setPassword);
    }

    /** The one property the definition sets: WildFly refuses a data source class without one. */
    public void setApplicationName(String applicationName) {
        delegate.setApplicationName(applicationName);
    }

    public String getApplicationName() {
        return delegate.getApplicationName();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return delegate.getConnection();
    }

    /** Pools may pass the definition's absent credentials (WildFly does); then the configured ones apply. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return username == null || username.isEmpty() ? getConnection() : delegate.getConnection(username, password);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return delegate.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return delegate.isWrapperFor(type);
    }
}
