package io.plank.domain.change;

/**
 * What happened; the names are the SQL statements that PostgreSQL reports as TG_OP. {@link #TRUNCATE} emptied the
 * whole table: it names no row and carries none.
 */
public enum Action {
    INSERT, UPDATE, DELETE, TRUNCATE
}
