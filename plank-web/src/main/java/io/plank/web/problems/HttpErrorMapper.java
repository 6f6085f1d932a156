package io.plank.web.problems;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * Errors the JAX-RS runtime raises itself (unknown path 404, 405, 406, 415, unreadable body 400) and
 * {@code WebApplicationException}s from Plank, turned into problem+json with the same status (and Retry-After and
 * WWW-Authenticate, if the exception's response has them).
 */
@Provider
public class HttpErrorMapper implements ExceptionMapper<WebApplicationException> {

    @Override
    public Response toResponse(WebApplicationException exception) {
        var status = exception.getResponse().getStatusInfo();
        Response problem = Problems.of(status, detail(status, exception));
        var response = Response.fromResponse(problem);
        for (String header : new String[] {HttpHeaders.RETRY_AFTER, HttpHeaders.WWW_AUTHENTICATE}) {
            String value = exception.getResponse().getHeaderString(header);
            if (value != null) {
                response.header(header, value);
            }
        }
        return response.build();
    }

    private static String detail(Response.StatusType status, WebApplicationException exception) {
        if (status.getStatusCode() == Response.Status.UNSUPPORTED_MEDIA_TYPE.getStatusCode()) {
            return "Send the request body as application/json";
        }
        if (status.getStatusCode() == Response.Status.BAD_REQUEST.getStatusCode() && exception.getCause() != null) {
            return "The request body is not valid JSON for this resource";
        }
        String message = exception.getMessage();
        // The runtimes' own messages ("HTTP 404 Not Found") only repeat the title.
        return message == null || message.startsWith("HTTP ") ? null : message;
    }
}
