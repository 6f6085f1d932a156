package io.plank.web.socket.fanout;

import java.io.StringReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import io.plank.domain.change.Action;
import io.plank.domain.change.ChangeEvent;
import io.plank.persistence.rows.RowFilter;
import io.plank.web.socket.outbox.Message;
import io.plank.web.socket.protocol.Frames;
import io.plank.web.socket.protocol.Relation;

/**
 * One change on its way to the subscribers: decides what it is to each filter, parsing the row only if some
 * filter needs it, and makes each distinct frame once. The plain frame is made when the change enters the fan-out
 * ({@link Frames#change}); a frame naming subscriptions, or marking a row that left or entered a filter, is the same
 * text with those fields put in front, made once per distinct set of names and reused for every client with the
 * same set. The common case (no filter, no id) takes no lock and allocates nothing; the rest is synchronised,
 * since a change held for a catching-up subscription is framed later, on another thread.
 */
public final class Fanout {

    private final ChangeEvent change;
    private final TableStats stats;
    private final Message frame;
    private JsonObject newRow;
    private JsonObject oldRow;
    private boolean parsed;
    private Map<FrameKey, Message> frames;
    private Relation lastRelation;
    private List<String> lastSubs;
    private Message lastFrame;
    private Map<String, Message> txEnds;

    /** A live change: its frames are timed in {@code stats}. */
    public Fanout(ChangeEvent change, TableStats stats) {
        this.change = change;
        this.stats = stats;
        this.frame = message(Frames.change(change));
    }

    /** A change replayed from the log: sent like a live one, not timed (it is as old as the client's absence). */
    public static Fanout replayed(ChangeEvent change) {
        return new Fanout(change, null);
    }

    ChangeEvent change() {
        return change;
    }

    /** The change's position in the log. */
    public long seq() {
        return change.seq();
    }

    /**
     * For an UPDATE the row before is known for durable tables; for ephemeral ones it is not, so an UPDATE whose
     * row does not pass the filter is sent as {@link Relation#LEAVE} (harmless if the client never had the row).
     * A row too large for an ephemeral notification has no data to test: it goes to every filter. So does a
     * TRUNCATE, which empties the table whatever the filter: every subscriber drops all it holds of it.
     */
    Relation relationTo(RowFilter filter) {
        return filter.all() || change.action() == Action.TRUNCATE ? Relation.CHANGE : filtered(filter);
    }

    private synchronized Relation filtered(RowFilter filter) {
        parse();
        if (newRow == null && oldRow == null) {
            return Relation.CHANGE;
        }
        return switch (change.action()) {
            case INSERT -> filter.matches(newRow) ? Relation.CHANGE : Relation.NONE;
            case DELETE -> filter.matches(oldRow) ? Relation.CHANGE : Relation.NONE;
            case UPDATE -> {
                boolean now = filter.matches(newRow);
                if (oldRow == null) {
                    yield now ? Relation.CHANGE : Relation.LEAVE;
                }
                boolean before = filter.matches(oldRow);
                yield now ? (before ? Relation.CHANGE : Relation.ENTER) : (before ? Relation.LEAVE : Relation.NONE);
            }
            case TRUNCATE -> Relation.CHANGE;
        };
    }

    /** The frame for {@code relation}, naming {@code subs} (the client's subscription ids; may be empty). */
    Message frame(Relation relation, List<String> subs) {
        return relation == Relation.CHANGE && subs.isEmpty() ? frame : annotated(relation, subs);
    }

    private synchronized Message annotated(Relation relation, List<String> subs) {
        // Clients tend to use the same ids (a client library's), so the frame asked for is usually the last one.
        if (relation == lastRelation && subs.equals(lastSubs)) {
            return lastFrame;
        }
        lastRelation = relation;
        lastSubs = subs;
        lastFrame = cached(relation, subs);
        return lastFrame;
    }

    private Message cached(Relation relation, List<String> subs) {
        if (frames == null) {
            frames = new HashMap<>(4);
        }
        return frames.computeIfAbsent(new FrameKey(relation, subs), key -> message(Frames.annotated(
                relation == Relation.WITHDRAW ? Frames.change(change, false) : frame.text(), relation, subs)));
    }

    /**
     * The {@code tx_end} this change sends a subscription named {@code sub} (null for the plain form) that its filter
     * passes by (see {@link Subscription}), made once per id like the frames.
     */
    public synchronized Message txEnd(String sub) {
        if (txEnds == null) {
            txEnds = new HashMap<>(4);
        }
        return txEnds.computeIfAbsent(sub, id -> Message.of(Frames.txEnd(change.table(), id, change.tx().id())));
    }

    private Message message(String text) {
        return stats == null ? Message.of(text) : Message.change(text, stats::latency, change.atMicros());
    }

    private record FrameKey(Relation relation, List<String> subs) {
    }

    private void parse() {
        if (parsed) {
            return;
        }
        parsed = true;
        JsonObject row = change.row() == null ? null : read(change.row()).asJsonObject();
        if (change.action() == Action.DELETE) {
            oldRow = row;
        } else {
            newRow = row;
            if (change.oldRow() != null) {
                oldRow = read(change.oldRow()).asJsonObject();
            }
        }
    }

    private static JsonValue read(String json) {
        try (var reader = Frames.JSON.createReader(new StringReader(json))) {
            return reader.readValue();
        }
    }
}
