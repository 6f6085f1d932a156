package io.plank.persistence.migration;

import java.util.logging.Logger;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

/** Runs Plank's Flyway migrations from {@code db/migration} inside this jar. */
public final class SchemaMigrator {

    private static final Logger LOG = Logger.getLogger(SchemaMigrator.class.getName());

    private SchemaMigrator() {
    }

    /** Migrates the database behind {@code dataSource}; returns the number of migrations applied. */
    public static int migrate(DataSource dataSource) {
        // The class loader matters in an EAR: Flyway must look for db/migration inside this jar.
        // Plank's bookkeeping lives in its own schema, so a database that already has tables in
        // public (a shared database Plank is pointed at) needs no baseline.
        var result = Flyway.configure(SchemaMigrator.class.getClassLoader())
                .dataSource(dataSource)
                .schemas("plank")
                .locations("classpath:db/migration")
                .load()
                .migrate();
        LOG.info(() -> result.migrationsExecuted == 0
                ? "Schema up to date"
                : "Schema migrated to version " + result.targetSchemaVersion + " (" + result.migrationsExecuted + " migrations applied)");
        return result.migrationsExecuted;
    }
}
