package io.plank.web.cors;

import java.util.List;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

import org.eclipse.microprofile.config.Config;

/** Answers preflight requests and adds CORS headers for allowed origins; other origins get no CORS headers. */
@Provider
@PreMatching
@ApplicationScoped
public class CorsFilter implements ContainerRequestFilter, ContainerResponseFilter {

    private static final String ORIGIN = "Origin";

    /** Read for {@code plank.cors.origins}, as a list (see ChangeListener for why not {@code Optional<List<String>>}). */
    @Inject
    Config config;

    private CorsPolicy policy;

    @PostConstruct
    void init() {
        policy = CorsPolicy.of(config.getOptionalValues("plank.cors.origins", String.class).orElse(List.of()));
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String origin = request.getHeaderString(ORIGIN);
        boolean preflight = HttpMethod.OPTIONS.equals(request.getMethod())
                && request.getHeaderString("Access-Control-Request-Method") != null;
        if (preflight && policy.allows(origin)) {
            request.abortWith(Response.noContent()
                    .header("Access-Control-Allow-Methods", CorsPolicy.ALLOWED_METHODS)
                    .header("Access-Control-Allow-Headers", CorsPolicy.ALLOWED_HEADERS)
                    .header("Access-Control-Max-Age", "600")
                    .build());
        }
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        String origin = request.getHeaderString(ORIGIN);
        if (policy.allows(origin)) {
            MultivaluedMap<String, Object> headers = response.getHeaders();
            headers.putSingle("Access-Control-Allow-Origin", origin);
            headers.putSingle("Access-Control-Expose-Headers", CorsPolicy.EXPOSED_HEADERS);
            headers.add("Vary", ORIGIN);
        }
    }
}
