package io.plank.web.problems;

import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import io.plank.persistence.db.ConnectionFailures;

/**
 * Anything else: 503 with Retry-After when the database could not be reached (restarting, down, or the connection
 * lost mid-request), so clients know to retry; otherwise Plank's fault, 500. Either is logged with an id the client
 * can quote, and neither body shows internals.
 */
@Provider
public class UnexpectedErrorMapper implements ExceptionMapper<RuntimeException> {

    public static final int RETRY_AFTER_SECONDS = 5;

    private static final Logger LOG = Logger.getLogger(UnexpectedErrorMapper.class.getName());

    @Override
    public Response toResponse(RuntimeException exception) {
        String incident = UUID.randomUUID().toString();
        if (ConnectionFailures.causedByConnectionFailure(exception)) {
            LOG.log(Level.WARNING, "Database unavailable, incident " + incident, exception);
            return Response.fromResponse(Problems.of(Response.Status.SERVICE_UNAVAILABLE, "The database is unavailable; "
                            + "retry in a few seconds (incident " + incident + ")"))
                    .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
                    .build();
        }
        LOG.log(Level.SEVERE, "Unexpected error, incident " + incident, exception);
        return Problems.of(Response.Status.INTERNAL_SERVER_ERROR, "Unexpected error; the server log has incident " + incident);
    }
}
