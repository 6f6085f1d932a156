package io.plank.web.cors;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which origins may call the API and open WebSockets from a browser: the list {@code plank.cors.origins}
 * (comma-separated), or {@code *} for any.
 */
public record CorsPolicy(Set<String> origins) {

    public static final String ALLOWED_METHODS = "GET, POST, PUT, DELETE, OPTIONS";
    public static final String ALLOWED_HEADERS = "Content-Type, Authorization, If-Match";
    public static final String EXPOSED_HEADERS = "Location";

    /** From the configured list, as MicroProfile Config splits it at its commas. */
    public static CorsPolicy of(List<String> configured) {
        return new CorsPolicy(configured.stream()
                .map(String::strip)
                .map(origin -> origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin)
                .filter(origin -> !origin.isEmpty())
                .collect(Collectors.toUnmodifiableSet()));
    }

    public boolean allows(String origin) {
        return origin != null && (origins.contains("*") || origins.contains(origin));
    }

    /**
     * Whether a WebSocket handshake from a page at {@code origin} may go ahead on a request for {@code host} (its
     * Host header): a request without an Origin comes from a program, not a browser page, and may; a page may if
     * it was served by Plank's own host and port (the scheme may differ behind a TLS-terminating proxy) or its
     * origin is allowed. {@code Origin: null} (sandboxed pages, local files) is refused unless listed.
     */
    public boolean allowsWebSocket(String origin, String host) {
        return origin == null || allows(origin) || sameHost(origin, host);
    }

    private static boolean sameHost(String origin, String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        URI page;
        try {
            page = new URI(origin);
        } catch (URISyntaxException e) {
            return false;
        }
        if (page.getHost() == null || page.getScheme() == null) {
            return false;
        }
        int pagePort = page.getPort() >= 0 ? page.getPort() : "https".equalsIgnoreCase(page.getScheme()) ? 443 : 80;
        URI requested;
        try {
            requested = new URI("scheme://" + host.strip());
        } catch (URISyntaxException e) {
            return false;
        }
        return page.getHost().equalsIgnoreCase(requested.getHost())
                && (requested.getPort() < 0 || requested.getPort() == pagePort);
    }
}
