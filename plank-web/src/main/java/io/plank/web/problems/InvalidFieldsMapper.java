package io.plank.web.problems;

import jakarta.json.Json;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Bean Validation failures: 400 naming each invalid field. */
@Provider
public class InvalidFieldsMapper implements ExceptionMapper<ConstraintViolationException> {

    @Override
    public Response toResponse(ConstraintViolationException exception) {
        var violations = Json.createArrayBuilder();
        for (ConstraintViolation<?> violation : exception.getConstraintViolations()) {
            violations.add(Json.createObjectBuilder()
                    .add("field", field(violation.getPropertyPath()))
                    .add("message", violation.getMessage()));
        }
        return Problems.of(Response.Status.BAD_REQUEST, "The request has invalid fields", violations.build());
    }

    /** The bean property that failed, or "body" when the request body as a whole was rejected (missing). */
    private static String field(Path path) {
        String field = "body";
        for (Path.Node node : path) {
            if (node.getKind() == ElementKind.PROPERTY) {
                field = node.getName();
            }
        }
        return field;
    }
}
