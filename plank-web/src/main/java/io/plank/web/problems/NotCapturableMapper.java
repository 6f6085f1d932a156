package io.plank.web.problems;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import io.plank.domain.change.NotCapturableException;

@Provider
public class NotCapturableMapper implements ExceptionMapper<NotCapturableException> {

    @Override
    public Response toResponse(NotCapturableException exception) {
        return Problems.of(Response.Status.CONFLICT, exception.getMessage());
    }
}
