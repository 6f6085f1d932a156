package io.plank.web.problems;

import jakarta.json.bind.JsonbException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Some runtimes let JSON-B's own exception through instead of wrapping it: also a 400. */
@Provider
public class JsonBindingMapper implements ExceptionMapper<JsonbException> {

    @Override
    public Response toResponse(JsonbException exception) {
        return Problems.of(Response.Status.BAD_REQUEST, "The request body is not valid JSON for this resource");
    }
}
