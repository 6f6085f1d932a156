package io.plank.web.security;

import java.security.Principal;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.ext.Provider;

import io.plank.web.problems.Problems;

/**
 * Every REST request's caller, from {@code Authorization: Bearer <jwt>}, or anonymous without that header. A header that
 * is not a valid bearer token is refused at once with 401 (problem+json and {@code WWW-Authenticate: Bearer
 * error="invalid_token"}), whatever the resource: a client sending a bad token wants to know, not to be served as
 * anonymous. Resources find the caller as the request's user principal ({@link Guard#caller}).
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class BearerAuthentication implements ContainerRequestFilter {

    private static final String BEARER = "Bearer ";

    @Inject
    TokenVerifier verifier;

    @Inject
    Access access;

    @Override
    public void filter(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        Caller caller;
        if (header == null) {
            caller = access.anonymous();
        } else if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            request.abortWith(invalidToken("Plank takes Authorization: Bearer <token>"));
            return;
        } else {
            try {
                caller = verifier.verify(header.substring(BEARER.length()));
            } catch (InvalidTokenException e) {
                request.abortWith(invalidToken("Invalid token: " + e.getMessage()));
                return;
            }
        }
        boolean secure = request.getSecurityContext() != null && request.getSecurityContext().isSecure();
        request.setSecurityContext(new CallerContext(caller, secure));
    }

    static Response invalidToken(String detail) {
        return Response.fromResponse(Problems.of(Response.Status.UNAUTHORIZED, detail))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"").build();
    }

    /** The caller as JAX-RS's security context: roles are the caller's, pseudo-roles included. */
    record CallerContext(Caller caller, boolean secure) implements SecurityContext {
        @Override
        public Principal getUserPrincipal() {
            return caller;
        }

        @Override
        public boolean isUserInRole(String role) {
            return caller.roles().contains(role);
        }

        @Override
        public boolean isSecure() {
            return secure;
        }

        @Override
        public String getAuthenticationScheme() {
            return caller.isAnonymous() ? null : "Bearer";
        }
    }
}
