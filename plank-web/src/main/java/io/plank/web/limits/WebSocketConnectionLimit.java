package io.plank.web.limits;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import io.plank.web.problems.Problems;

/**
 * Counts a WebSocket handshake against its address's {@code plank.ws.max-connections-per-address}, and refuses it
 * with 429 problem+json, before the upgrade, when the address holds that many already. A servlet filter runs before
 * both servers' upgrade. Counting here, not when the endpoint opens, keeps the limit exact: Tyrus opens the endpoint
 * after the 101 has gone out, so a client connecting again at once would pass a mere check. A handshake its address
 * may make is then {@link Admission admitted} or refused with 503 and {@code Retry-After}, also before the upgrade: a
 * refusal costs no session.
 *
 * <p>A handshake that did not upgrade (refused, or no WebSocket request at all) is uncounted here; one that did
 * belongs to its session, which {@code Sessions} uncounts when it ends. The WebSocket API tells an endpoint nothing of
 * its client's address, so the request goes on with the address as the parameter {@link #ADDRESS_PARAMETER}, which
 * both servers hand to the session's parameters: replacing one the client sent in the parameter map (Undertow), after
 * it in the query string (Tyrus), so the endpoint takes the last value.
 */
@WebFilter(urlPatterns = "/ws", asyncSupported = true)
public class WebSocketConnectionLimit extends HttpFilter {

    /** The session parameter that carries the client's address from here to the endpoint. */
    public static final String ADDRESS_PARAMETER = "plank.remote-address";
    /** The session parameter that names the counted handshake, which the endpoint claims when it opens. */
    public static final String HANDSHAKE_PARAMETER = "plank.handshake";

    private static final Logger LOG = Logger.getLogger(WebSocketConnectionLimit.class.getName());
    private static final int TOO_MANY_REQUESTS = 429;

    /**
     * Names each counted handshake, unique in this deployment. A counter, not a random UUID: no secret is needed (the
     * endpoint takes the filter's value, after any the client sent), and {@code UUID.randomUUID} takes the JVM's one
     * SecureRandom lock, for which WildFly's own session ids contend too: in a storm of 5,000 reconnects JFR counted
     * 184 waits, 10 s in all, at that call.
     */
    private final AtomicLong handshakes = new AtomicLong();

    @Inject
    ConnectionsPerAddress connections;

    @Inject
    Admission admission;

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String address = request.getRemoteAddr();
        if (!connections.acquire(address)) {
            refuse(response, TOO_MANY_REQUESTS, "Too Many Requests", connections.refusal());
            return;
        }
        long retryAfter = admission.admit(System.nanoTime());
        if (retryAfter > 0) {
            connections.release(address);
            response.setHeader("Retry-After", Long.toString(retryAfter));
            refuse(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Service Unavailable", admission.refusal(retryAfter));
            return;
        }
        String handshake = Long.toString(handshakes.incrementAndGet(), Character.MAX_RADIX);
        connections.expectOpen(handshake, address); // before the chain: Undertow may open the endpoint within it
        // Payara's end-of-request event reads the server name from the connection, which a client that leaves
        // during the handshake takes away (a NullPointerException at SEVERE): read now, it is kept.
        request.getServerName();
        boolean upgraded = false;
        try {
            chain.doFilter(new Addressed(request, address, handshake), response);
            upgraded = response.getStatus() == HttpServletResponse.SC_SWITCHING_PROTOCOLS;
        } catch (IOException e) {
            // The 101 could not be written: the client left during the handshake. Not an error (escaped, the
            // server would log it at WARNING with its stack).
            LOG.log(Level.FINE, "A WebSocket client at " + address + " left during the handshake", e);
        } finally {
            if (!upgraded) {
                connections.notUpgraded(handshake);
            }
        }
    }

    private static void refuse(HttpServletResponse response, int status, String title, String detail) throws IOException {
        response.setStatus(status);
        response.setContentType(Problems.MEDIA_TYPE);
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(Problems.body(status, title, detail));
    }

    /** The handshake request with the client's address among its parameters. */
    private static final class Addressed extends HttpServletRequestWrapper {

        private final Map<String, String[]> parameters;

        Addressed(HttpServletRequest request, String address, String handshake) {
            super(request);
            var all = new LinkedHashMap<>(request.getParameterMap());
            all.put(ADDRESS_PARAMETER, new String[] {address});
            all.put(HANDSHAKE_PARAMETER, new String[] {handshake});
            parameters = Collections.unmodifiableMap(all);
        }

        /** Tyrus reads the session's parameters from the query string, Undertow from the parameter map. */
        @Override
        public String getQueryString() {
            String query = super.getQueryString();
            String added = ADDRESS_PARAMETER + "=" + URLEncoder.encode(getParameter(ADDRESS_PARAMETER), StandardCharsets.UTF_8)
                    + "&" + HANDSHAKE_PARAMETER + "=" + getParameter(HANDSHAKE_PARAMETER);
            return query == null || query.isEmpty() ? added : query + "&" + added;
        }

        @Override
        public Map<String, String[]> getParameterMap() {
            return parameters;
        }

        @Override
        public String getParameter(String name) {
            String[] values = parameters.get(name);
            return values == null || values.length == 0 ? null : values[0];
        }

        @Override
        public String[] getParameterValues(String name) {
            String[] values = parameters.get(name);
            return values == null ? null : values.clone();
        }

        @Override
        public Enumeration<String> getParameterNames() {
            return Collections.enumeration(parameters.keySet());
        }
    }
}
