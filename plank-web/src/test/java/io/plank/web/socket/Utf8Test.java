package io.plank.web.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Utf8Test {

    @ParameterizedTest
    @ValueSource(strings = {"", "ascii only", "café", "€uro", "emoji 😀 and more 🎉", "日本語のテキスト"})
    void countsWhatTheEncoderWouldWrite(String text) {
        int expected = text.getBytes(StandardCharsets.UTF_8).length;
        assertEquals(expected, Utf8.length(text));
    }
}
