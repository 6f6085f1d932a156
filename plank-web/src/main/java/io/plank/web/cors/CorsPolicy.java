package io.plank.web.cors;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Which origins may call the API: the list {@code plank.cors.origins} (comma-separated), or {@code *} for any. */
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
}
