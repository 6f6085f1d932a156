package io.plank.web.socket.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Utf8Test {

    @ParameterizedTest
    @ValueSource(strings = {"", "ascii only", "café", "€uro", "emoji 😀 and more 🎉", "日本語のテキスト"})
    void countsWhatTheEncoderWouldWrite(String text) {
        int expected = text.getBytes(StandardCharsets.UTF_8).length;
        assertEquals(expected, Utf8.length(text));
    }

    @Test
    void aLoneSurrogateCannotBeEncodedAPairCan() {
        assertTrue(Utf8.encodable("bomb \uD83D\uDCA3 ok"));
        assertFalse(Utf8.encodable("\uD800"));
        assertFalse(Utf8.encodable("a\uDC00b"));
        assertFalse(Utf8.encodable("end\uD83D"));
    }
}
