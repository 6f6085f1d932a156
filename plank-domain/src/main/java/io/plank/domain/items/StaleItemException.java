package io.plank.domain.items;

/** An update was based on a version of the item that someone else has changed since. */
public class StaleItemException extends RuntimeException {

    public StaleItemException(long id, int expected, int actual) {
        super("Item " + id + " is at version " + actual + ", the update was based on version " + expected);
    }

    public StaleItemException(long id) {
        super("Item " + id + " was changed by someone else during the update");
    }
}
