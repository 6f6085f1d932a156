package io.plank.persistence.rows;

/** More rows match than one snapshot may send ({@code plank.snapshot.max-rows}), or they are too large together. */
public class SnapshotTooLargeException extends Exception {

    public SnapshotTooLargeException(String message) {
        super(message);
    }
}
