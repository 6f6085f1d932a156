package io.plank.web.cors;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** Which origins may call the API: a comma-separated list from {@code plank.cors.origins}, or {@code *} for any. */
public record CorsPolicy(Set<String> origins) {

    public static final String ALLOWED_METHODS = "GET, POST, PUT, DELETE, OPTIONS";
    public static final String ALLOWED_HEADERS = "Content-Type, Authorization, If-Match";
    public static final String EXPOSED_HEADERS = "Location";

    public static CorsPolicy parse(String configured) {
        return new CorsPolicy(Arrays.stream(configured == null ? new String[0] : configured.split(","))
                .map(String::strip)
                .map(origin -> origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin)
                .filter(origin -> !origin.isEmpty())
                .collect(Collectors.toUnmodifiableSet()));
    }

    public boolean allows(String origin) {
        return origin != null && (origins.contains("*") || origins.contains(origin));
    }
}
