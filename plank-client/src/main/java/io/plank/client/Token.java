package io.plank.client;

import java.nio.charset.StandardCharsets;
import java.io.StringReader;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;

/**
 * A bearer token and when it expires. {@link #of(String)} reads a JWT's {@code exp} (without verifying anything: the
 * client only learns when to refresh, the server decides whether the token is any good).
 *
 * @param value     the token, as sent in {@code {"type":"auth","token":...}}
 * @param expiresAt when it stops being valid; null when unknown (then the server's {@code authenticated} answer tells)
 */
public record Token(String value, Instant expiresAt) {

    public Token {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("An empty token");
        }
    }

    /** The token, its expiry read from the JWT's {@code exp} claim when it has one. */
    public static Token of(String value) {
        return new Token(value, jwtExpiry(value));
    }

    static Instant jwtExpiry(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            try (var reader = Json.PROVIDER.createReader(new StringReader(payload))) {
                JsonObject claims = reader.readObject();
                return claims.get("exp") instanceof JsonNumber exp ? Instant.ofEpochSecond(exp.longValue()) : null;
            }
        } catch (RuntimeException notAJwt) {
            return null;
        }
    }
}
