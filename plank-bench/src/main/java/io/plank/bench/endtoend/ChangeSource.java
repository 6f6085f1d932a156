package io.plank.bench.endtoend;

/** Where the benchmark's one writer puts changes: Plank's database, or the trivial relay. */
interface ChangeSource extends AutoCloseable {

    /**
     * Writes change {@code k} of run {@code run}, tagged so a client can tell which it got, and returns the
     * {@link System#nanoTime()} at which it was committed (the commit acknowledged) or handed over.
     */
    long write(int run, int k) throws Exception;

    /** Tells the source a run is about to start; the relay needs nothing, the database writer nothing either. */
    default void prepare() throws Exception {
    }

    @Override
    default void close() throws Exception {
    }
}
