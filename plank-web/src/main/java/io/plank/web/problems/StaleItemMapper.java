package io.plank.web.problems;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import io.plank.domain.items.StaleItemException;

@Provider
public class StaleItemMapper implements ExceptionMapper<StaleItemException> {

    @Override
    public Response toResponse(StaleItemException exception) {
        return Problems.of(Response.Status.CONFLICT, exception.getMessage());
    }
}
