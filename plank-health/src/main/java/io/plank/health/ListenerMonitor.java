package io.plank.health;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

/** Where the listener publishes its status, so readers need not know the listener's EJB class. */
@ApplicationScoped
public class ListenerMonitor {

    private static final ListenerStatus NOT_STARTED = new ListenerStatus(ListenerState.STARTING, 0, 0, null, null, 0, 0);

    private volatile Supplier<ListenerStatus> source = () -> NOT_STARTED;
    private volatile String instance = "";
    private volatile CaptureInUse capture = CaptureInUse.UNKNOWN;

    /** Called by the listener when it starts; {@code status} must be cheap and thread-safe. */
    public void reportFrom(Supplier<ListenerStatus> status) {
        source = status;
    }

    /** Called by the listener when it starts: the name its position in the change log is saved under. */
    public void named(String instance) {
        this.instance = instance;
    }

    /** This instance's name in {@code plank.listener_cursor}; empty before the listener started. */
    public String instance() {
        return instance;
    }

    /** Called by the listener once it has chosen how durable tables are captured. */
    public void capturing(CaptureInUse capture) {
        this.capture = capture;
    }

    public CaptureInUse capture() {
        return capture;
    }

    public ListenerStatus status() {
        return source.get();
    }
}
