package io.plank.web;

import jakarta.annotation.sql.DataSourceDefinition;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;

/**
 * The REST API under {@code /api}. It also defines {@code java:app/jdbc/plank}, the pooled data source
 * behind JPA; its class reads plank.db.* from MicroProfile Config, so the same EAR needs no
 * server-specific descriptor.
 *
 * <p>The {@code fish.payara.*} properties are Payara's pool attributes for an application-defined data source:
 * validate a connection (Payara's own PostgreSQL check, {@code SELECT 1}) each time it is handed out, and when
 * one is found dead, close them all (a restarted PostgreSQL killed every one). WildFly has no such
 * attributes for this kind of data source and ignores them, with a warning each.
 */
@ApplicationPath("/api")
@OpenAPIDefinition(info = @Info(title = "Plank", version = "0.1.0",
        description = "Plank's REST API. Changes stream over the WebSocket at /plank/ws (the AsyncAPI document: /plank/asyncapi.json) or as Server-Sent Events (/plank/api/changes/{table})."))
@DataSourceDefinition(
        name = "java:app/jdbc/plank",
        className = "io.plank.persistence.db.PlankDataSource",
        minPoolSize = 1,
        maxPoolSize = 20,
        transactional = true,
        properties = {
                "applicationName=plank",
                "fish.payara.is-connection-validation-required=true",
                "fish.payara.connection-validation-method=custom-validation",
                "fish.payara.validation-classname=org.glassfish.api.jdbc.validation.PostgresConnectionValidation",
                "fish.payara.fail-all-connections=true"})
public class PlankApplication extends Application {
}
