package io.plank.web.socket.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientMessageTest {

    @Test
    void subscribeNamesATable() throws ProtocolError {
        var message = ClientMessage.parse("{\"type\":\"subscribe\",\"table\":\"items\"}");
        assertEquals(ClientMessage.Type.SUBSCRIBE, message.type());
        assertEquals("items", message.table());
    }

    @Test
    void unsubscribeNamesATable() throws ProtocolError {
        var message = ClientMessage.parse(" {\"table\":\"sales.invoices\", \"type\":\"unsubscribe\", \"extra\":1} ");
        assertEquals(ClientMessage.Type.UNSUBSCRIBE, message.type());
        assertEquals("sales.invoices", message.table());
    }

    @Test
    void pingNeedsNothingElse() throws ProtocolError {
        var message = ClientMessage.parse("{\"type\":\"ping\"}");
        assertEquals(ClientMessage.Type.PING, message.type());
        assertNull(message.table());
    }

    @Test
    void subscribeMayCarryAnIdAFilterAndASnapshot() throws ProtocolError {
        var message = ClientMessage.parse("{\"type\":\"subscribe\",\"table\":\"orders\",\"sub\":\"paid-eu\","
                + "\"filter\":\"status=eq.paid&region=in.(eu,uk)\",\"snapshot\":true}");
        assertEquals("paid-eu", message.sub());
        assertEquals(2, message.filter().conditions().size());
        assertTrue(message.snapshot());
        assertNull(message.since());
        assertFalse(message.txEnd(), "tx_end frames only for those who ask");
        assertTrue(ClientMessage.parse("{\"type\":\"subscribe\",\"table\":\"orders\",\"tx_end\":true}").txEnd());
    }

    @Test
    void unsubscribeByIdNeedsNoTable() throws ProtocolError {
        var message = ClientMessage.parse("{\"type\":\"unsubscribe\",\"sub\":\"paid-eu\"}");
        assertEquals("paid-eu", message.sub());
        assertNull(message.table());
    }

    @Test
    void errorsAboutASubscriptionNameIt() {
        var error = assertThrows(ProtocolError.class, () -> ClientMessage.parse(
                "{\"type\":\"subscribe\",\"table\":\"orders\",\"sub\":\"s1\",\"filter\":\"status=like.x\"}"));
        assertEquals("invalid_filter", error.code());
        assertTrue(error.frame().contains("\"sub\":\"s1\""), error.frame());
        assertTrue(error.frame().contains("no known operator"), error.frame());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{not json                                  | invalid_json",
            "{\"type\":\"subscribe\",                   | invalid_json",
            "''                                         | invalid_json",
            "{\"type\":\"ping\"} xyz                       | invalid_json",
            "{\"type\":\"ping\"}{\"type\":\"ping\"}          | invalid_json",
            "{\"type\":\"ping\"} 7                         | invalid_json",
            "[1,2]                                      | invalid_message",
            "\"subscribe\"                              | invalid_message",
            "{}                                         | invalid_message",
            "{\"type\":7}                               | invalid_message",
            "{\"type\":\"subscribe\"}                   | invalid_message",
            "{\"type\":\"subscribe\",\"table\":\"\"}    | invalid_message",
            "{\"type\":\"subscribe\",\"table\":null}    | invalid_message",
            "{\"type\":\"subscribe\",\"table\":[\"a\"]} | invalid_message",
            "{\"type\":\"publish\",\"table\":\"items\"} | unknown_type",
            "{\"type\":\"subscribe\",\"table\":\"t\",\"sub\":7}                  | invalid_message",
            "{\"type\":\"subscribe\",\"table\":\"t\",\"sub\":\"\"}               | invalid_message",
            "{\"type\":\"subscribe\",\"table\":\"t\",\"snapshot\":\"yes\"}       | invalid_message",
            "{\"type\":\"subscribe\",\"table\":\"t\",\"tx_end\":1}             | invalid_message",
            "{\"type\":\"subscribe\",\"table\":\"t\",\"snapshot\":true,\"since\":3} | invalid_message",
            "{\"type\":\"subscribe\",\"table\":\"t\",\"filter\":[\"a=eq.1\"]}  | invalid_filter",
            "{\"type\":\"subscribe\",\"table\":\"t\",\"filter\":\"a\"}         | invalid_filter",
            "{\"type\":\"unsubscribe\"}                                       | invalid_message",
    })
    void badMessagesAreRefusedWithACode(String text, String code) {
        var error = assertThrows(ProtocolError.class, () -> ClientMessage.parse(text));
        assertEquals(code, error.code());
        assertTrue(!error.getMessage().isBlank());
    }

    @Test
    void hugeTableNamesAreRefusedAndNotEchoedWhole() {
        String name = "t".repeat(10_000);
        var error = assertThrows(ProtocolError.class,
                () -> ClientMessage.parse("{\"type\":\"subscribe\",\"table\":\"" + name + "\"}"));
        assertEquals("invalid_message", error.code());
        assertTrue(error.getMessage().length() < 200);
    }

    @Test
    void unknownTypesAreEchoedShortened() {
        var error = assertThrows(ProtocolError.class,
                () -> ClientMessage.parse("{\"type\":\"" + "x".repeat(5_000) + "\"}"));
        assertEquals("unknown_type", error.code());
        assertTrue(error.getMessage().length() < 300, error.getMessage());
    }

    @Test
    void anEventStreamsQueryIsCheckedAsASubscribeMessageIs() throws ProtocolError {
        var plain = ClientMessage.stream("items", null, null, null, null, null);
        assertEquals("items", plain.table());
        assertNull(plain.since());
        var resumed = ClientMessage.stream("items", null, "value=gte.3", "42", "false", null);
        assertEquals(42L, resumed.since());
        assertEquals(1, resumed.filter().conditions().size());
        assertTrue(ClientMessage.stream("items", null, null, null, "true", null).snapshot());
        assertTrue(ClientMessage.stream("items", null, "value=gte.3", null, null, "true").txEnd());
        assertEquals(ProtocolError.INVALID_MESSAGE, assertThrows(ProtocolError.class, () -> ClientMessage.stream("items", null, null, null, null, "1")).code());

        for (String since : new String[] {"abc", "-1", "1.5", "99999999999999999999", ""}) {
            var refused = assertThrows(ProtocolError.class, () -> ClientMessage.stream("items", null, null, since, null, null), since);
            assertEquals(ProtocolError.INVALID_MESSAGE, refused.code(), since);
        }
        assertEquals(ProtocolError.INVALID_MESSAGE, assertThrows(ProtocolError.class, () -> ClientMessage.stream("items", null, null, null, "yes", null)).code());
        assertEquals(ProtocolError.INVALID_MESSAGE, assertThrows(ProtocolError.class, () -> ClientMessage.stream("items", null, null, "1", "true", null)).code());
        assertEquals(ProtocolError.INVALID_FILTER, assertThrows(ProtocolError.class, () -> ClientMessage.stream("items", null, "value=zz.1", null, null, null)).code());
        assertEquals(ProtocolError.INVALID_MESSAGE, assertThrows(ProtocolError.class, () -> ClientMessage.stream("x".repeat(201), null, null, null, null, null)).code());

        assertEquals("mine", ClientMessage.stream("items", "mine", null, null, null, null).sub(), "sub as the message's");
        for (String sub : new String[] {"", "s".repeat(ClientMessage.MAX_SUB_LENGTH + 1)}) {
            var refused = assertThrows(ProtocolError.class, () -> ClientMessage.stream("items", sub, null, null, null, null), sub);
            assertEquals(ProtocolError.INVALID_MESSAGE, refused.code(), sub);
            assertTrue(refused.getMessage().contains("\"sub\""), refused.getMessage());
        }
    }

    @ParameterizedTest(name = "{0} levels of {1}")
    @CsvSource({"60000, [", "60000, {\"a\":", "65, [", "30000, [{\"x\":"})
    void deeplyNestedJsonIsInvalidJsonNotAStackOverflow(int levels, String opening) {
        String text = "{\"type\":\"ping\",\"deep\":" + opening.repeat(levels);
        var error = assertThrows(ProtocolError.class, () -> ClientMessage.parse(text));
        assertEquals(ProtocolError.INVALID_JSON, error.code());
        assertTrue(error.getMessage().contains("nest deeper"), error.getMessage());
    }

    @Test
    void nestingUpToTheLimitAndBracketsInStringsAreFine() throws ProtocolError {
        String nested = "[".repeat(io.plank.web.limits.JsonNesting.MAX_DEPTH - 1) + "]".repeat(io.plank.web.limits.JsonNesting.MAX_DEPTH - 1);
        assertEquals(ClientMessage.Type.PING, ClientMessage.parse("{\"type\":\"ping\",\"deep\":" + nested + "}").type());
        String brackets = "\\\"" + "[".repeat(1000);
        assertEquals(ClientMessage.Type.PING, ClientMessage.parse("{\"type\":\"ping\",\"text\":\"" + brackets + "\"}").type());
    }

    @Test
    void aLoneSurrogateInAStringIsRefusedBeforeItCouldBeEchoed() {
        for (String message : new String[] {"{\"type\":\"subscribe\",\"table\":\"\\uD800\"}",
                "{\"type\":\"subscribe\",\"table\":\"items\",\"sub\":\"a\\uDC00\"}", "{\"type\":\"\\uD83D\"}"}) {
            var error = assertThrows(ProtocolError.class, () -> ClientMessage.parse(message), message);
            assertEquals(ProtocolError.INVALID_MESSAGE, error.code(), message);
        }
    }
}
