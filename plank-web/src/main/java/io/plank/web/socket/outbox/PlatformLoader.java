package io.plank.web.socket.outbox;

/**
 * Sends run with the platform class loader as the thread's context class loader, and only the send itself does.
 *
 * <p>Payara's WebSocket stack (Tyrus) schedules a managed task for every message sent (its idle timeout, even when no
 * timeout is set), and capturing the thread's context for that task looks for service files through the thread's
 * context class loader. With the application's loader, an EAR's, that lookup scans every jar of the application; it
 * was three quarters of the CPU of every send on Payara (JFR: {@code TyrusSession.restartIdleTimeoutExecutor} ->
 * {@code ContextSetupProviderImpl.saveContext} -> {@code ClassLoader.getResources}; docs/PERFORMANCE.md). The platform
 * loader answers such a lookup at once. A text send needs nothing from the application's loader, and Undertow
 * (WildFly) does not look; plain Java SE, so the same code runs on both.
 */
final class PlatformLoader {

    private PlatformLoader() {
    }

    /** Puts the platform loader in place; returns the loader to put back with {@link #leave}. */
    static ClassLoader enter() {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(ClassLoader.getPlatformClassLoader());
        return previous;
    }

    static void leave(ClassLoader previous) {
        Thread.currentThread().setContextClassLoader(previous);
    }
}
