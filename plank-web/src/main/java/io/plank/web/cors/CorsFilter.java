package io.plank.web.cors;

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

/** Answers preflight requests and adds CORS headers for allowed origins; other origins get no CORS headers. */
@Provider
@PreMatching
@ApplicationScoped
public class CorsFilter implements ContainerRequestFilter, ContainerResponseFilter {

    private static final String ORIGIN = "Origin";

    @Inject
    AllowedOrigins allowed;

    @Override
    public void filter(ContainerRequestContext request) {
        String origin = request.getHeaderString(ORIGIN);
        boolean preflight = HttpMethod.OPTIONS.equals(request.getMethod())
                && request.getHeaderString("Access-Control-Request-Method") != null;
        if (preflight && allowed.policy().allows(origin)) {
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
        if (allowed.policy().allows(origin)) {
            MultivaluedMap<String, Object> headers = response.getHeaders();
            headers.putSingle("Access-Control-Allow-Origin", origin);
            headers.putSingle("Access-Control-Expose-Headers", CorsPolicy.EXPOSED_HEADERS);
            headers.add("Vary", ORIGIN);
        }
    }
}
