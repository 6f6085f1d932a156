package io.plank.web.problems;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.core.Response;

/** Builds problem+json responses. The body is written as text so every JAX-RS runtime sends it unchanged. */
public final class Problems {

    public static final String MEDIA_TYPE = "application/problem+json";

    private Problems() {
    }

    public static Response of(Response.StatusType status, String detail) {
        return respond(status, body(status, detail));
    }

    public static Response of(Response.StatusType status, String detail, JsonArray violations) {
        return respond(status, body(status, detail).add("violations", violations));
    }

    /** The problem+json text, for what answers outside JAX-RS (servlet filters). */
    public static String body(int status, String title, String detail) {
        return builder(status, title, detail).build().toString();
    }

    private static JsonObjectBuilder body(Response.StatusType status, String detail) {
        return builder(status.getStatusCode(), status.getReasonPhrase(), detail);
    }

    private static JsonObjectBuilder builder(int status, String title, String detail) {
        var body = Json.createObjectBuilder()
                .add("type", "about:blank")
                .add("title", title)
                .add("status", status);
        if (detail != null) {
            body.add("detail", detail);
        }
        return body;
    }

    private static Response respond(Response.StatusType status, JsonObjectBuilder body) {
        return Response.status(status).type(MEDIA_TYPE).entity(body.build().toString()).build();
    }
}
