package io.plank.web.socket;

import java.lang.reflect.Method;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;

/**
 * On WildFly, an event stream's writes run on the I/O thread of its connection, so that a client leaving is no ERROR.
 *
 * <p>RESTEasy writes an event stream with servlet non-blocking IO (a WriteListener) once the resource method has
 * returned. When a write finds the client gone, Undertow ends the request itself ({@code ServletOutputStreamImpl.flush}
 * -> {@code AsyncContextImpl.handleError} -> {@code complete()}), before Plank hears of the failure, so neither closing
 * the sink later nor completing the AsyncContext changes anything. Completed from any other thread than the
 * connection's I/O thread, Undertow hands the close of the response to a worker, which hands it to the I/O thread,
 * where writing the last chunk to the closed socket fails and is logged as {@code UT005088: Failed to execute
 * ServletOutputStream.closeAsync() on IO thread: ClosedChannelException} at ERROR with a stack trace, once per dropped
 * stream (Undertow 2.3.20, RESTEasy 6.2.14). Completed on the I/O thread, the same close runs inline and its failure
 * is logged at DEBUG. A non-blocking write never blocks, so the I/O thread is the natural place for it.
 *
 * <p>The thread is found through Undertow's public {@code HttpServletRequestImpl.getExchange().getIoThread()} by
 * reflection, so plank-web needs no Undertow module; on other servers (Payara) there is none and the stream's writes
 * keep running on Plank's stream writers.
 */
final class ConnectionThread {

    private static final Logger LOG = Logger.getLogger(ConnectionThread.class.getName());

    private ConnectionThread() {
    }

    /** The I/O thread of {@code request}'s connection on Undertow; null elsewhere. */
    static Executor of(ServletRequest request) {
        if (request.isAsyncStarted()) {
            request = request.getAsyncContext().getRequest(); // the container's own, where the runtime passes a proxy
        }
        while (request instanceof ServletRequestWrapper wrapper) {
            request = wrapper.getRequest();
        }
        try {
            Method exchange = request.getClass().getMethod("getExchange");
            Object ioThread = exchange.getReturnType().getMethod("getIoThread").invoke(exchange.invoke(request));
            return ioThread instanceof Executor executor ? executor : null;
        } catch (NoSuchMethodException e) {
            return null; // not Undertow
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.FINE, "No I/O thread for an event stream; it writes on a stream writer", e);
            return null;
        }
    }
}
