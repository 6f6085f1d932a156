package io.plank.persistence.rows;

/** More rows match than one snapshot may send ({@code plank.snapshot.max-rows}). */
public class SnapshotTooLargeException extends Exception {

    public SnapshotTooLargeException(String message) {
        super(message);
    }
}
