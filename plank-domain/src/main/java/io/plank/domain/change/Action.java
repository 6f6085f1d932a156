package io.plank.domain.change;

/** What happened to a row; the names are the SQL statements that PostgreSQL reports as TG_OP. */
public enum Action {
    INSERT, UPDATE, DELETE
}
