package io.plank.domain.change;

/** The relation exists but Plank cannot capture it: a view, or a table without a primary key. */
public class NotCapturableException extends RuntimeException {

    public NotCapturableException(TableName table, String reason) {
        super("Plank cannot capture " + table + ": " + reason);
    }
}
