package io.plank.client;

import java.util.List;

import jakarta.json.JsonObject;

/** Frames as the server writes them, for the unit tests. */
final class Frames {

    private Frames() {
    }

    static JsonObject parse(String json) {
        List<JsonObject> frames = Json.frames(json.replace('\'', '"'));
        return frames.get(0);
    }

    static JsonObject change(String sub, long seq, long tx, boolean txLast, String action, long id, String data) {
        return parse("{'type':'change','subs':['" + sub + "'],'seq':" + seq + ",'tx':" + tx + (txLast ? ",'tx_last':true" : "")
                + ",'table':'items','action':'" + action + "','id':" + id + ",'data':" + data + "}");
    }

    static JsonObject subscribed(String sub, long seq) {
        return parse("{'type':'subscribed','table':'items','sub':'" + sub + "','seq':" + seq + "}");
    }
}
