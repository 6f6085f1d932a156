package io.plank.health;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

/** Where the listener publishes its status, so readers need not know the listener's EJB class. */
@ApplicationScoped
public class ListenerMonitor {

    private static final ListenerStatus NOT_STARTED = new ListenerStatus(ListenerState.STARTING, 0, 0, null, null, 0, 0);

    private volatile Supplier<ListenerStatus> source = () -> NOT_STARTED;

    /** Called by the listener when it starts; {@code status} must be cheap and thread-safe. */
    public void reportFrom(Supplier<ListenerStatus> status) {
        source = status;
    }

    public ListenerStatus status() {
        return source.get();
    }
}
