package io.plank.web.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class JsonBodyTextTest {

    @Test
    void utf8IsDecodedAndAnythingElseIsNot() {
        assertEquals(Optional.of("{\"name\":\"caf\u00e9 \uD83D\uDE00\"}"),
                JsonBodyText.utf8("{\"name\":\"caf\u00e9 \uD83D\uDE00\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(JsonBodyText.utf8(new byte[] {'"', (byte) 0xff, '"'}).isEmpty(), "0xff is never UTF-8");
        assertTrue(JsonBodyText.utf8(new byte[] {'"', (byte) 0xc3, '"'}).isEmpty(), "a sequence cut short");
        assertTrue(JsonBodyText.utf8(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}).isEmpty(), "a surrogate encoded");
        assertTrue(JsonBodyText.utf8("caf\u00e9".getBytes(StandardCharsets.ISO_8859_1)).isEmpty(), "Latin-1");
    }

    @Test
    void oneJsonValueOfCharactersPasses() {
        assertNull(JsonBodyText.refusal("{\"name\":\"a \\uD83D\\uDE00\",\"value\":1,\"list\":[\"x\",{}]}\n "));
        assertNull(JsonBodyText.refusal("\"text\""));
        assertNull(JsonBodyText.refusal("[1,2]"));
    }

    @Test
    void loneSurrogatesAreRefusedInValuesAndKeysAtAnyDepth() {
        for (String text : new String[] {"{\"name\":\"\\ud800\"}", "{\"name\":\"a\\udc00b\"}", "{\"\\ud800\":1}",
                "{\"a\":[{\"b\":\"\\uDBFF\"}]}", "\"\\uDE00\\uD83D\""}) {
            assertTrue(String.valueOf(JsonBodyText.refusal(text)).contains("surrogate"), text);
        }
    }

    @Test
    void moreAfterTheValueIsRefused() {
        for (String text : new String[] {"{\"name\":\"a\",\"value\":1}garbage", "{} {}", "[1]]", "{}\n,", "1 2"}) {
            assertTrue(String.valueOf(JsonBodyText.refusal(text)).contains("after the JSON value"), text);
        }
    }

    @Test
    void whatIsNotJsonIsLeftToJsonB() {
        for (String text : new String[] {"", "   ", "{\"name\":", "nope", "{\"a\" 1}"}) {
            assertNull(JsonBodyText.refusal(text), text);
        }
    }
}
