package io.plank.client;

import java.util.List;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

/**
 * What a {@link Subscription} passes on, in the order the server sent it. Each event keeps the frame it came from
 * ({@code frame()}, null for events the client makes itself).
 */
public sealed interface SubscriptionEvent {

    /** The raw frame, for what the typed fields do not carry. */
    JsonObject frame();

    /**
     * The server answered {@code subscribed}.
     *
     * @param seq     the log position the stream starts from (null on an ephemerally captured table)
     * @param resumed true on every answer after the first: the subscription was asked for again after a disconnect
     */
    record Subscribed(Long seq, boolean resumed, JsonObject frame) implements SubscriptionEvent {
    }

    /** A page of the snapshot: rows in primary-key order; {@code last} ends the snapshot. */
    record Snapshot(List<JsonObject> rows, boolean last, JsonObject frame) implements SubscriptionEvent {
    }

    /**
     * One committed row change.
     *
     * @param kind     {@code CHANGE}, or {@code LEAVE} / {@code ENTER} when an UPDATE moved the row out of / into the filter
     * @param action   {@code INSERT}, {@code UPDATE}, {@code DELETE} or {@code TRUNCATE}
     * @param id       the primary key: a number or string, an object for a composite key, JSON null for TRUNCATE
     * @param data     the row after the change (for DELETE: before it); null for TRUNCATE and for a row left to another tenant
     * @param seq      its position in Plank's change log; null on an ephemerally captured table
     * @param tx       the transaction that made it; null where the log has none
     * @param txLast   no more changes of {@code tx} follow for this subscription (always true without a {@code tx})
     * @param at       when the database made it, ISO-8601
     */
    record Change(Kind kind, String table, String action, JsonValue id, JsonObject data, Long seq, Long tx, boolean txLast,
            String at, JsonObject frame) implements SubscriptionEvent {

        /** Whether this change removes the row from what the subscription holds (DELETE, or a row leaving the filter). */
        public boolean removesRow() {
            return "DELETE".equals(action) || kind == Kind.LEAVE;
        }
    }

    /** Which way a change concerns the subscription's filter. */
    enum Kind {
        CHANGE, ENTER, LEAVE
    }

    /** The transaction {@code tx} has no more changes for this subscription (its filter dropped the last one). */
    record TxEnd(long tx, JsonObject frame) implements SubscriptionEvent {
    }

    /**
     * The subscription cannot resume without a gap (changes no longer retained, an ephemeral table after a
     * disconnect, a snapshot cut short): reload what you hold. With {@code resnapshot} a new snapshot follows by itself.
     */
    record Reset(String reason, boolean resnapshot, JsonObject frame) implements SubscriptionEvent {
    }

    /**
     * The server refused a request about this subscription. With {@code retrying} the client asks again after a
     * backoff (the database was away); otherwise an {@link End} follows.
     */
    record Error(String code, String message, boolean retrying, JsonObject frame) implements SubscriptionEvent {
    }

    /** Nothing more comes: unsubscribed, refused, ended by the server ({@code code}, e.g. {@code forbidden}) or the client closed. */
    record End(String reason, String code, JsonObject frame) implements SubscriptionEvent {
    }
}
