package io.plank.web.problems;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import io.plank.domain.change.NoSuchTableException;

@Provider
public class NoSuchTableMapper implements ExceptionMapper<NoSuchTableException> {

    @Override
    public Response toResponse(NoSuchTableException exception) {
        return Problems.of(Response.Status.NOT_FOUND, exception.getMessage());
    }
}
