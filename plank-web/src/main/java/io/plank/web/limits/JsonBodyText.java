package io.plank.web.limits;

import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParsingException;

/**
 * What JSON-B would silently alter in a JSON body, found before it reads the body: bytes that are not UTF-8 (the
 * runtimes decode them as U+FFFD), a string or key holding a lone surrogate ({@code "\uD800"}, which JSON's escapes
 * allow but no character is: PostgreSQL's driver stores it as {@code ?}), and anything after the one JSON value
 * (JSON-B stops reading after the value). The WebSocket refuses the same messages ({@code invalid_message},
 * {@code invalid_json}, close 1007).
 */
final class JsonBodyText {

    private static final JsonProvider JSON = JsonProvider.provider();

    private JsonBodyText() {
    }

    /** The body as text, or empty if its bytes are not UTF-8. */
    static Optional<String> utf8(byte[] body) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /**
     * Why Plank refuses {@code text}, or null if it does not: a lone surrogate, or more after the JSON value. Text that
     * is not JSON at all is left to JSON-B, which answers for it as it always has.
     */
    static String refusal(String text) {
        CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder();
        try (JsonParser parser = JSON.createParser(new StringReader(text))) {
            int depth = 0;
            while (parser.hasNext()) {
                switch (parser.next()) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    case KEY_NAME, VALUE_STRING -> {
                        if (!utf8.canEncode(parser.getString())) {
                            return "A string holds an unpaired surrogate (\\uD800 to \\uDFFF alone), which is no character";
                        }
                    }
                    default -> {
                    }
                }
                if (depth == 0 && more(parser)) {
                    return "The request body has more after the JSON value; send one JSON value";
                }
            }
            return null;
        } catch (RuntimeException e) {
            return null; // not JSON: JSON-B says so
        }
    }

    /** After the one value: true if anything but white space follows (the parser throws on it). */
    private static boolean more(JsonParser parser) {
        try {
            return parser.hasNext();
        } catch (JsonParsingException e) {
            return true;
        }
    }
}
