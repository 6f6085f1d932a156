package io.plank.web.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;

import org.junit.jupiter.api.Test;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.web.socket.protocol.Ending;
import io.plank.web.socket.protocol.Frames;
import io.plank.web.socket.protocol.ProtocolError;
import io.plank.web.socket.protocol.Relation;

/**
 * The AsyncAPI document Plank serves ({@code /plank/asyncapi.json}, from src/main/webapp) says what the code writes
 * and what docs/PROTOCOL.md says: every frame Plank writes is a message there, with no field the document lacks and
 * every field it requires; the error codes are the same three times; subscribe's fields are PROTOCOL.md's.
 */
class AsyncApiTest {

    private static final Path DOCUMENT = Path.of("src/main/webapp/asyncapi.json");
    private static final Path PROTOCOL = Path.of("../docs/PROTOCOL.md");
    /** 2026-11-21T09:08:34.411430Z */
    private static final long AT = 1_795_252_114_411_430L;

    private final JsonObject messages = read(text(DOCUMENT)).getJsonObject("components").getJsonObject("messages");

    @Test
    void everyFramePlankWritesIsAMessageOfTheDocumentWithItsFields() {
        String change = Frames.change(new ChangeEvent(9, "items", Action.UPDATE, "1", "{\"id\": 1}", "{\"id\": 1}", AT, false));
        List<String> frames = List.of(
                change,
                Frames.change(new ChangeEvent(0, "items", Action.INSERT, "1", null, null, AT, true)),
                Frames.change(new ChangeEvent(10, "items", Action.INSERT, "2", "{\"id\": 2}", null, AT, false, new ChangeEvent.Tx(77, 9, true))),
                Frames.txEnd("items", "s", 77),
                Frames.schema("items", "s", java.util.Map.of("id", "integer")),
                Frames.annotated(change, Relation.LEAVE, List.of("a", "b")),
                Frames.annotated(change, Relation.ENTER, List.of("a")),
                Frames.annotated(Frames.change(new ChangeEvent(9, "items", Action.UPDATE, "1", "{\"id\": 1}", "{\"id\": 1}", AT, false), false),
                        Relation.WITHDRAW, List.of("a")),
                Frames.authenticated("ann", 1_800_000_000L),
                Frames.subscribed("items", "s", 9),
                Frames.subscribed("items", null),
                Frames.snapshot("items", "s", List.of("{\"id\": 1}"), true),
                Frames.reset("items", "s", "gone"),
                Frames.unsubscribed("items", "s"),
                Frames.unsubscribed("items", "s", Ending.TABLE_DROPPED, "dropped"),
                Frames.error(ProtocolError.INVALID_FILTER, "no", "items", "s"),
                Frames.PONG);
        for (String text : frames) {
            JsonObject frame = read(text);
            String type = frame.getString("type");
            assertTrue(messages.containsKey(type), "a message for frames of type " + type);
            JsonObject schema = messages.getJsonObject(type).getJsonObject("payload");
            Set<String> documented = schema.getJsonObject("properties").keySet();
            assertTrue(documented.containsAll(frame.keySet()), type + ": fields " + frame.keySet() + " all documented in " + documented);
            for (JsonString required : schema.getJsonArray("required").getValuesAs(JsonString.class)) {
                assertTrue(frame.containsKey(required.getString()), type + " has " + required.getString() + ": " + text);
            }
        }
        assertEquals(Set.of("auth", "authenticated", "subscribe", "unsubscribe", "ping", "pong", "subscribed", "change", "tx_end", "schema", "snapshot", "reset", "unsubscribed", "error"),
                messages.keySet(), "no message the code does not know");
    }

    @Test
    void theEndingCodesAreTheSameInTheCodeTheDocumentAndProtocolMd() {
        Set<String> inCode = new TreeSet<>();
        for (Ending ending : Ending.values()) {
            inCode.add(ending.code());
        }
        Set<String> inDocument = new TreeSet<>();
        messages.getJsonObject("unsubscribed").getJsonObject("payload").getJsonObject("properties").getJsonObject("code")
                .getJsonArray("enum").getValuesAs(JsonString.class).forEach(code -> inDocument.add(code.getString()));
        assertEquals(inCode, inDocument, "asyncapi.json's unsubscribed codes");
        assertEquals(inCode, tableCodes(section(text(PROTOCOL), "## When the database changes under a stream")), "PROTOCOL.md's unsubscribed codes");
    }

    @Test
    void theErrorCodesAreTheSameInTheCodeTheDocumentAndProtocolMd() throws IllegalAccessException {
        Set<String> inCode = new TreeSet<>();
        for (Field field : ProtocolError.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                field.setAccessible(true);
                inCode.add((String) field.get(null));
            }
        }
        Set<String> inDocument = new TreeSet<>(messages.getJsonObject("error").getJsonObject("payload").getJsonObject("properties")
                .getJsonObject("code").getJsonArray("enum").getValuesAs(JsonString::getString));
        assertEquals(inCode, inDocument, "asyncapi.json's error codes");
        assertEquals(inCode, tableCodes(section(text(PROTOCOL), "## Server to client: errors")), "PROTOCOL.md's error codes");
    }

    @Test
    void subscribesFieldsAreProtocolMds() {
        Set<String> inDocument = new TreeSet<>(messages.getJsonObject("subscribe").getJsonObject("payload").getJsonObject("properties").keySet());
        inDocument.remove("type");
        Set<String> inProtocol = new TreeSet<>();
        Matcher field = Pattern.compile("(?m)^- `(\\w+)`").matcher(section(text(PROTOCOL), "Fields of `subscribe`:"));
        while (field.find()) {
            inProtocol.add(field.group(1));
        }
        assertEquals(inProtocol, inDocument);
    }

    /** The codes in the first column of the Markdown table in {@code section}. */
    private static Set<String> tableCodes(String section) {
        Set<String> codes = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z_]+)` \\|").matcher(section);
        while (row.find()) {
            codes.add(row.group(1));
        }
        return codes;
    }

    /** From {@code heading} to the next heading of any level, or a blank line followed by a non-list paragraph. */
    private static String section(String text, String heading) {
        int start = text.indexOf(heading);
        assertTrue(start >= 0, "PROTOCOL.md has " + heading);
        List<String> lines = new ArrayList<>(List.of(text.substring(start + heading.length()).split("\n")));
        var section = new StringBuilder();
        for (String line : lines) {
            if (line.startsWith("#") || line.startsWith("Unknown fields")) {
                break;
            }
            section.append(line).append('\n');
        }
        return section.toString();
    }

    private static String text(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new AssertionError("Cannot read " + path.toAbsolutePath(), e);
        }
    }

    private static JsonObject read(String json) {
        try (var reader = Frames.JSON.createReader(new StringReader(json))) {
            return reader.readObject();
        }
    }
}
