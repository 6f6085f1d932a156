package io.plank.persistence.capture;

import java.sql.SQLException;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Transactional;

import io.plank.domain.change.CaptureMode;
import io.plank.domain.change.NoSuchTableException;
import io.plank.domain.change.NotCapturableException;
import io.plank.domain.change.TableName;

/**
 * Attaches and detaches Plank's capture trigger. Names reach SQL only as bind parameters, quoted by
 * {@code quote_ident} and resolved by {@code to_regclass}: no table name can inject SQL.
 */
@ApplicationScoped
@Transactional
public class Captures {

    private static final String RELATION = "to_regclass(quote_ident(?1) || '.' || quote_ident(?2))";

    @PersistenceContext(unitName = "plank")
    EntityManager em;

    @Inject
    CapturedTables capturedTables;

    /** Captures {@code table} in {@code mode}, or switches its mode; true if it was not captured before. */
    public boolean capture(TableName table, CaptureMode mode) {
        requireExists(table);
        if (table.schema().startsWith("pg_") || table.schema().equals("information_schema") || table.schema().equals("plank")) {
            throw new NotCapturableException(table, "system tables and Plank's own are never captured");
        }
        boolean wasCaptured = capturedMode(table) != null;
        try {
            em.createNativeQuery("SELECT count(*) FROM (SELECT plank.capture(" + RELATION + ", ?3)) AS done")
                    .setParameter(1, table.schema())
                    .setParameter(2, table.table())
                    .setParameter(3, mode.sqlName())
                    .getSingleResult();
        } catch (PersistenceException e) {
            String state = sqlState(e);
            if ("42809".equals(state)) {
                throw new NotCapturableException(table, "it is not a table");
            }
            if ("42P16".equals(state)) {
                throw new NotCapturableException(table, "it has no primary key to identify rows by");
            }
            if ("42501".equals(state)) {
                throw new NotCapturableException(table, "Plank's database user may not add a trigger to it");
            }
            throw e;
        }
        capturedTables.forget();
        return !wasCaptured;
    }

    public void release(TableName table) {
        requireExists(table);
        if (capturedMode(table) == null) {
            throw NoSuchTableException.notCaptured(table);
        }
        em.createNativeQuery("SELECT count(*) FROM (SELECT plank.release(" + RELATION + ")) AS done")
                .setParameter(1, table.schema())
                .setParameter(2, table.table())
                .getSingleResult();
        capturedTables.forget();
    }

    private void requireExists(TableName table) {
        Object relation = em.createNativeQuery("SELECT " + RELATION + "::text")
                .setParameter(1, table.schema())
                .setParameter(2, table.table())
                .getSingleResult();
        if (relation == null) {
            throw NoSuchTableException.missing(table);
        }
    }

    private String capturedMode(TableName table) {
        @SuppressWarnings("unchecked")
        List<String> modes = em.createNativeQuery("SELECT mode FROM plank.captured_tables WHERE table_name = ?1")
                .setParameter(1, table.toString())
                .getResultList();
        return modes.isEmpty() ? null : modes.get(0);
    }

    private static String sqlState(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }
}
