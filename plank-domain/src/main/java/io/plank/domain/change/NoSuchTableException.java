package io.plank.domain.change;

/** The table named does not exist, or is not captured where a captured one is needed. */
public class NoSuchTableException extends RuntimeException {

    public NoSuchTableException(String message) {
        super(message);
    }

    public static NoSuchTableException missing(TableName table) {
        return new NoSuchTableException("There is no table " + table);
    }

    public static NoSuchTableException notCaptured(TableName table) {
        return new NoSuchTableException("Table " + table + " is not captured by Plank");
    }
}
