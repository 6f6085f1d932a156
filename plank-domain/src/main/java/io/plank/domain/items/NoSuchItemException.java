package io.plank.domain.items;

/** The item asked for does not exist (or no longer does). */
public class NoSuchItemException extends RuntimeException {

    private final long id;

    public NoSuchItemException(long id) {
        super("There is no item " + id);
        this.id = id;
    }

    public long id() {
        return id;
    }
}
