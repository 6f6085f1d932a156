package io.plank.web.limits;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;

import io.plank.web.problems.Problems;

/**
 * A JSON request body nested deeper than {@link JsonNesting#MAX_DEPTH} gets 400 problem+json before JSON-B reads it,
 * even where the depth sits in a field JSON-B would skip: a body is either what Plank accepts or refused whole. The
 * body is at most {@code plank.rest.max-body-bytes} ({@link RequestBodyLimit} ran first), so reading it into memory
 * to look is bounded.
 */
@Provider
public class JsonBodyNesting implements ReaderInterceptor {

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        MediaType type = context.getMediaType();
        if (type == null || !(type.getSubtype().equals("json") || type.getSubtype().endsWith("+json"))) {
            return context.proceed();
        }
        byte[] body = context.getInputStream().readAllBytes();
        if (JsonNesting.tooDeep(new String(body, StandardCharsets.ISO_8859_1))) {
            throw new WebApplicationException(Problems.of(Response.Status.BAD_REQUEST, JsonNesting.refusal()));
        }
        context.setInputStream(new ByteArrayInputStream(body));
        return context.proceed();
    }
}
