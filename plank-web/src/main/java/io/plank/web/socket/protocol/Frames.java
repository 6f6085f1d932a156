package io.plank.web.socket.protocol;

import java.io.StringReader;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import jakarta.json.JsonObjectBuilder;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;

import io.plank.domain.change.ChangeEvent;

/**
 * Server-to-client messages, each written here and nowhere else. A change's frame is made once per change from its
 * fields ({@link #change}: the row and key arrive as JSON text from the database and go in as they are); what differs
 * per client is put in front of it ({@link #annotated}). {@code sub}, where it appears, is the id the
 * client gave the subscription; the plain form has none and the frames then carry none.
 */
public final class Frames {

    public static final String PONG = "{\"type\":\"pong\"}";

    /** Found once: every Json.createX() call looks the provider up again, a class path scan on Payara. */
    public static final JsonProvider JSON = JsonProvider.provider();

    private Frames() {
    }

    /** {@code at} in the frame: UTC, microseconds, as PostgreSQL writes timestamps. */
    private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    /**
     * {@code {"type":"change","seq":..,"tx":..,"tx_last":true,"table":..,"action":..,"id":..,"data":..,"at":..}}:
     * {@code seq} only for a durably captured table, {@code tx} for a change whose transaction is known (logged since
     * V4) with {@code "tx_last":true} on its transaction's last change to the table, {@code "truncated":true} for a
     * row too large for a notification (then {@code data} is null, and {@code id} may be). A TRUNCATE is a change
     * like any other, with {@code "action":"TRUNCATE","id":null,"data":null}: the client drops every row of the table.
     */
    public static String change(ChangeEvent change) {
        return change(change, true);
    }

    /** The change frame with its row ({@code withRow}) or with {@code "data":null}, for a row the client may not see. */
    public static String change(ChangeEvent change, boolean withRow) {
        String key = change.key() == null ? "null" : change.key();
        String row = change.row() == null || !withRow ? "null" : change.row();
        var frame = new StringBuilder(128 + change.table().length() + key.length() + row.length());
        frame.append("{\"type\":\"change\"");
        if (change.durable()) {
            frame.append(",\"seq\":").append(change.seq());
        }
        if (change.tx().known()) {
            frame.append(",\"tx\":").append(change.tx().id());
            if (change.tx().last()) {
                frame.append(",\"tx_last\":true");
            }
        }
        frame.append(",\"table\":").append(JSON.createValue(change.table()))
                .append(",\"action\":\"").append(change.action().name())
                .append("\",\"id\":").append(key)
                .append(",\"data\":").append(row);
        if (change.truncated()) {
            frame.append(",\"truncated\":true");
        }
        long seconds = Math.floorDiv(change.atMicros(), 1_000_000L);
        long nanos = Math.floorMod(change.atMicros(), 1_000_000L) * 1_000L;
        return frame.append(",\"at\":\"").append(AT.format(Instant.ofEpochSecond(seconds, nanos))).append("\"}").toString();
    }

    /** The answer to an {@code auth} message: the token's subject and expiry (seconds since the epoch, as in the JWT). */
    public static String authenticated(String subject, long expiresAt) {
        return JSON.createObjectBuilder().add("type", "authenticated").add("sub", subject).add("exp", expiresAt).build().toString();
    }

    public static String subscribed(String table, String sub) {
        return base("subscribed", table, sub).build().toString();
    }

    /** The answer for a durable table: {@code seq} is where the live stream starts (the log's position now). */
    public static String subscribed(String table, String sub, long seq) {
        return base("subscribed", table, sub).add("seq", seq).build().toString();
    }

    /**
     * Transaction {@code tx} has no more changes for this subscription: its last change to the table did not pass the
     * subscription's filter, so the subscription's last frame of it carried no {@code tx_last}.
     */
    public static String txEnd(String table, String sub, long tx) {
        return base("tx_end", table, sub).add("tx", tx).build().toString();
    }

    /** The client cannot resume from where it asked; it must reload the table and carry on from here. */
    public static String reset(String table, String sub, String reason) {
        return base("reset", table, sub).add("reason", reason).build().toString();
    }

    public static String unsubscribed(String table, String sub) {
        return base("unsubscribed", table, sub).build().toString();
    }

    /**
     * The table's columns changed under a subscription that goes on (it asked for this with {@code "schema":true}):
     * rows from the next change on have these columns, in column order, each with its PostgreSQL type.
     */
    public static String schema(String table, String sub, java.util.Map<String, String> columns) {
        var list = JSON.createArrayBuilder();
        columns.forEach((name, type) -> list.add(JSON.createObjectBuilder().add("name", name).add("type", type)));
        return base("schema", table, sub).add("columns", list).build().toString();
    }

    /** The server ended the subscription: {@code ending} says why to a program, {@code reason} to a person. */
    public static String unsubscribed(String table, String sub, Ending ending, String reason) {
        return base("unsubscribed", table, sub).add("code", ending.code()).add("reason", reason).build().toString();
    }

    /** An error about one subscription names it, so a client with several knows which failed. */
    public static String error(String code, String message, String table, String sub) {
        var json = JSON.createObjectBuilder().add("type", "error").add("code", code).add("message", message);
        if (table != null) {
            json.add("table", table);
        }
        if (sub != null) {
            json.add("sub", sub);
        }
        return json.build().toString();
    }

    /** One page of a snapshot: {@code rows} are JSON objects as text, exactly as change frames carry rows. */
    public static String snapshot(String table, String sub, List<String> rows, boolean last) {
        String head = base("snapshot", table, sub).add("last", last).build().toString();
        var frame = new StringBuilder(head.length() + 16 + rows.stream().mapToInt(String::length).sum() + rows.size());
        frame.append(head, 0, head.length() - 1).append(",\"rows\":[");
        for (int i = 0; i < rows.size(); i++) {
            if (i > 0) {
                frame.append(',');
            }
            frame.append(rows.get(i));
        }
        return frame.append("]}").toString();
    }

    /**
     * A change frame with the client's subscription ids ({@code "subs":[...]}) and, for a row that left or entered
     * a filter, {@code "leave":true} or {@code "enter":true} put in front of the shared frame's own fields.
     */
    public static String annotated(String frame, Relation relation, List<String> subs) {
        var annotated = new StringBuilder(frame.length() + 32);
        annotated.append('{');
        if (!subs.isEmpty()) {
            annotated.append("\"subs\":[");
            for (int i = 0; i < subs.size(); i++) {
                annotated.append(i > 0 ? "," : "").append(JSON.createValue(subs.get(i)).toString());
            }
            annotated.append("],");
        }
        if (relation == Relation.LEAVE || relation == Relation.WITHDRAW) {
            annotated.append("\"leave\":true,");
        } else if (relation == Relation.ENTER) {
            annotated.append("\"enter\":true,");
        }
        return annotated.append(frame, 1, frame.length()).toString();
    }

    /** What an event stream needs of a frame: its type, its {@code seq} (-1 if none), and for a snapshot page whether it is the last. */
    public record Head(String type, long seq, boolean last) {
    }

    /**
     * Reads a frame's {@link Head} from its first fields: every frame above writes them before its row data
     * ({@code data}, {@code rows}), where reading stops, so a large row is never parsed for it.
     */
    public static Head head(String frame) {
        String type = null;
        long seq = -1;
        boolean last = false;
        try (JsonParser parser = JSON.createParser(new StringReader(frame))) {
            parser.next();
            while (parser.next() == JsonParser.Event.KEY_NAME) {
                String key = parser.getString();
                if (key.equals("data") || key.equals("rows")) {
                    break;
                }
                JsonParser.Event value = parser.next();
                switch (key) {
                    case "type" -> type = parser.getString();
                    case "seq" -> seq = parser.getLong();
                    case "last" -> last = value == JsonParser.Event.VALUE_TRUE;
                    default -> {
                        if (value == JsonParser.Event.START_ARRAY) {
                            parser.skipArray();
                        } else if (value == JsonParser.Event.START_OBJECT) {
                            parser.skipObject();
                        }
                    }
                }
            }
        }
        return new Head(type, seq, last);
    }

    private static JsonObjectBuilder base(String type, String table, String sub) {
        var json = JSON.createObjectBuilder().add("type", type).add("table", table);
        return sub == null ? json : json.add("sub", sub);
    }
}
