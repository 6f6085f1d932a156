package io.plank.web.problems;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import io.plank.domain.items.NoSuchItemException;

@Provider
public class NoSuchItemMapper implements ExceptionMapper<NoSuchItemException> {

    @Override
    public Response toResponse(NoSuchItemException exception) {
        return Problems.of(Response.Status.NOT_FOUND, exception.getMessage());
    }
}
