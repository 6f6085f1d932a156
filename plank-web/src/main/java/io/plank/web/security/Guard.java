package io.plank.web.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

import io.plank.domain.filter.Filter;

/**
 * What REST resources ask before they act: who calls ({@link #caller}), and whether the caller may read or write a
 * table or use the admin API. A refusal is thrown as 401 (no token, and the grant is not open to anonymous callers;
 * {@code WWW-Authenticate: Bearer}) or 403 (the token lacks the role), each answered as problem+json.
 */
@ApplicationScoped
public class Guard {

    @Inject
    Access access;

    public Caller caller(SecurityContext security) {
        return security != null && security.getUserPrincipal() instanceof Caller caller ? caller : access.anonymous();
    }

    /** The filter {@code security}'s caller reads {@code table} through; see {@link Access#read}. */
    public Filter requireRead(SecurityContext security, String table, Filter requested) {
        Caller caller = caller(security);
        Access.Read read = access.read(caller, table, requested);
        require(read.verdict(), "read table '" + table + "'");
        return read.filter();
    }

    public void requireWrite(SecurityContext security, String table) {
        require(access.write(caller(security), table), "write table '" + table + "'");
    }

    public void requireAdmin(SecurityContext security) {
        require(access.admin(caller(security)), "use the admin API (it needs the role " + access.adminRole() + ")");
    }

    private static void require(Access.Verdict verdict, String what) {
        switch (verdict) {
            case ALLOWED -> { }
            case UNAUTHENTICATED -> throw new NotAuthorizedException("Authenticate to " + what + ": send Authorization: Bearer <token>",
                    Response.status(Response.Status.UNAUTHORIZED).header("WWW-Authenticate", "Bearer").build());
            case FORBIDDEN -> throw new ForbiddenException("This token may not " + what);
        }
    }
}
