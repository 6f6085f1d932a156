package io.plank.web;

import jakarta.annotation.sql.DataSourceDefinition;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/**
 * The REST API under {@code /api}. It also defines {@code java:app/jdbc/plank}, the pooled data source
 * behind JPA; its class reads plank.db.* from MicroProfile Config, so the same EAR needs no
 * server-specific descriptor.
 */
@ApplicationPath("/api")
@DataSourceDefinition(
        name = "java:app/jdbc/plank",
        className = "io.plank.persistence.db.PlankDataSource",
        minPoolSize = 1,
        maxPoolSize = 20,
        transactional = true,
        properties = "applicationName=plank")
public class PlankApplication extends Application {
}
