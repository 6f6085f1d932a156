package io.plank.web.socket;

import jakarta.json.Json;

/** Server-to-client messages other than changes (those arrive already serialised from the database). */
final class Frames {

    static final String PONG = "{\"type\":\"pong\"}";

    private static final int MAX_ECHO = 100;

    private Frames() {
    }

    static String subscribed(String table) {
        return withTable("subscribed", table);
    }

    /** The answer for a durable table: {@code seq} is where the live stream starts (the log's position now). */
    static String subscribed(String table, long seq) {
        return Json.createObjectBuilder().add("type", "subscribed").add("table", table).add("seq", seq).build().toString();
    }

    /** The client cannot resume from where it asked; it must reload the table and carry on from here. */
    static String reset(String table, String reason) {
        return Json.createObjectBuilder().add("type", "reset").add("table", table).add("reason", reason).build().toString();
    }

    static String unsubscribed(String table) {
        return withTable("unsubscribed", table);
    }

    static String error(String code, String message) {
        return Json.createObjectBuilder().add("type", "error").add("code", code).add("message", message).build().toString();
    }

    /** Client input echoed in a message is cut short, so a hostile client cannot make Plank send its megabytes back. */
    static String abbreviate(String text) {
        return text.length() <= MAX_ECHO ? text : text.substring(0, MAX_ECHO) + "...";
    }

    private static String withTable(String type, String table) {
        return Json.createObjectBuilder().add("type", type).add("table", table).build().toString();
    }
}
