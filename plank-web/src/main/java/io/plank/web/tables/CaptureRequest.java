package io.plank.web.tables;

/** The body of {@code PUT /api/tables/{name}}: {@code {"mode":"durable"}} or {@code "ephemeral"}; durable when absent. */
public record CaptureRequest(String mode) {
}
