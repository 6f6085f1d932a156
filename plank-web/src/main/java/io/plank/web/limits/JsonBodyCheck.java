package io.plank.web.limits;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Optional;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;

import io.plank.domain.text.Excerpt;
import io.plank.web.problems.Problems;

/**
 * A JSON request body is either what Plank accepts or refused whole, before JSON-B reads it: in another charset than
 * UTF-8 (415: JSON is UTF-8, RFC 8259, and the body is fine once sent as such), not UTF-8 (400), nested deeper than
 * {@link JsonNesting#MAX_DEPTH} (400, even where the depth sits in a field JSON-B would skip), or text JSON-B would
 * alter or cut short ({@link JsonBodyText}, 400); all as problem+json. The body is at most
 * {@code plank.rest.max-body-bytes} ({@link RequestBodyLimit} ran first), so reading it into memory to look is bounded.
 */
@Provider
public class JsonBodyCheck implements ReaderInterceptor {

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        MediaType type = context.getMediaType();
        if (type == null || !(type.getSubtype().equals("json") || type.getSubtype().endsWith("+json"))) {
            return context.proceed();
        }
        String charset = type.getParameters().get(MediaType.CHARSET_PARAMETER);
        if (charset != null && !utf8(charset)) {
            throw refused(Response.Status.UNSUPPORTED_MEDIA_TYPE, "A JSON body is UTF-8 (RFC 8259): send it as UTF-8, with "
                    + "charset=utf-8 or no charset, not charset=" + Excerpt.of(charset));
        }
        byte[] body = context.getInputStream().readAllBytes();
        Optional<String> text = JsonBodyText.utf8(body);
        if (text.isEmpty()) {
            throw refused(Response.Status.BAD_REQUEST, "The request body is not UTF-8: it holds bytes that are no character");
        }
        if (JsonNesting.tooDeep(text.get())) {
            throw refused(Response.Status.BAD_REQUEST, JsonNesting.refusal());
        }
        String refusal = JsonBodyText.refusal(text.get());
        if (refusal != null) {
            throw refused(Response.Status.BAD_REQUEST, refusal);
        }
        context.setInputStream(new ByteArrayInputStream(body));
        return context.proceed();
    }

    private static boolean utf8(String charset) {
        try {
            return Charset.forName(charset.strip()).equals(StandardCharsets.UTF_8);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return false;
        }
    }

    private static WebApplicationException refused(Response.Status status, String detail) {
        return new WebApplicationException(Problems.of(status, detail));
    }
}
