package io.plank.systemtests;

import java.nio.file.Path;
import java.util.logging.Logger;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

import io.plank.testsupport.server.Logs;

/**
 * Gives tests a {@link RunningPlank}: started once per test run (the first test to ask starts it), torn down
 * when the run ends. A failed test gets the server log written while it ran.
 */
public final class PlankExtension implements ParameterResolver, BeforeEachCallback, TestWatcher {

    private static final Logger LOG = Logger.getLogger(PlankExtension.class.getName());
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PlankExtension.class);
    private static final String LOG_POSITION = "log-position";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RunningPlank.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return plank(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NAMESPACE).put(LOG_POSITION, Logs.size(plank(context).logFile()));
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        Long position = context.getStore(NAMESPACE).get(LOG_POSITION, Long.class);
        Startup startup = context.getRoot().getStore(NAMESPACE).get(Startup.class, Startup.class);
        RunningPlank plank = startup == null ? null : startup.plank;
        if (position != null && plank != null) {
            Path log = plank.logFile();
            LOG.warning(() -> plank.kind().id() + " log during " + context.getDisplayName() + " (" + log + "):\n"
                    + Logs.since(log, position));
        }
    }

    private static RunningPlank plank(ExtensionContext context) {
        // The root store outlives every test class and closes AutoCloseable values when the run ends.
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Startup.class, type -> new Startup(), Startup.class)
                .plank();
    }

    /** One attempt per run: a server that failed to start fails every test at once instead of starting again. */
    private static final class Startup implements AutoCloseable {

        private RunningPlank plank;
        private RuntimeException failure;

        synchronized RunningPlank plank() {
            if (plank == null && failure == null) {
                try {
                    plank = RunningPlank.start();
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            if (failure != null) {
                throw new IllegalStateException("Plank did not start: " + failure.getMessage(), failure);
            }
            return plank;
        }

        @Override
        public synchronized void close() {
            if (plank != null) {
                plank.close();
            }
        }
    }
}
