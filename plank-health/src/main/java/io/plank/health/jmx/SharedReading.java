package io.plank.health.jmx;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One reading of a source shared by a burst of JMX reads. A JMX console reads an MBean's attributes one call each;
 * each attribute served from a fresh reading repeated the whole reading (a query, a snapshot) per attribute. Readings
 * here are taken at most once per {@link #MAX_AGE_MILLIS}; a reading that fails is not kept.
 */
public final class SharedReading<T> {

    static final long MAX_AGE_MILLIS = 1_000;

    private final Supplier<T> source;
    private final LongSupplier clock;
    private T value;
    private long readAt;

    public SharedReading(Supplier<T> source) {
        this(source, System::currentTimeMillis);
    }

    SharedReading(Supplier<T> source, LongSupplier clock) {
        this.source = source;
        this.clock = clock;
    }

    /** The last reading if it is younger than {@link #MAX_AGE_MILLIS}, or a new one. */
    public synchronized T get() {
        long now = clock.getAsLong();
        if (value == null || now - readAt >= MAX_AGE_MILLIS) {
            value = source.get();
            readAt = now;
        }
        return value;
    }
}
