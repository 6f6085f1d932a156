package io.plank.health;

/**
 * How this deployment captures durable tables, as the listener chose it at start-up ({@code plank.capture.method}).
 *
 * @param method   {@code trigger} or {@code logical}; {@code unknown} until the database was first reached
 * @param auto     chosen by Plank ({@code auto}), not configured
 * @param fallback why {@code auto} could not use logical decoding (a warning for operators); null otherwise
 */
public record CaptureInUse(String method, boolean auto, String fallback) {

    public static final CaptureInUse UNKNOWN = new CaptureInUse("unknown", false, null);
}
