package io.plank.client;

import jakarta.json.JsonObject;

/**
 * A problem the connection met: a token refused ({@code invalid_token}) or not produced ({@code token_failed}), a
 * frame that is not JSON ({@code invalid_frame}), an error frame about no subscription, or the end of a failed client
 * ({@code closed}). With {@code retrying} the client carries on by itself.
 */
public record ClientError(String code, String message, boolean retrying, JsonObject frame) {
}
