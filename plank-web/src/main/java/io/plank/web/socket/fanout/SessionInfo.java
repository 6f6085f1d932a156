package io.plank.web.socket.fanout;

import java.util.List;

/**
 * One open connection (a WebSocket session or an event stream) as operators see it: when it opened, what it subscribes to and what it has waiting. A copy taken
 * when asked; the connection carries on meanwhile.
 *
 * @param caller        the token's subject, or {@code anonymous}
 * @param transport     {@code websocket}, or {@code event-stream} for a client of {@code /api/changes/{table}}
 * @param address       the client's address as the server saw it (behind a proxy, the proxy's): what
 *                      {@code plank.ws.max-connections-per-address} counts
 * @param openedAt      when the connection opened (ISO-8601, UTC)
 * @param batches       whether the client takes several messages as one JSON array ({@code ?batch=true})
 * @param queued        messages waiting to be sent (in flight included)
 * @param backlogChars  characters of JSON this connection holds in the heap: queued, in flight and read for a catch-up
 * @param waitingMs     how long the client has had something to read without taking any of it (0 with nothing waiting)
 */
public record SessionInfo(String id, String caller, String transport, String address, String openedAt, boolean batches, int queued, long backlogChars, long waitingMs,
                          List<Sub> subscriptions) {

    /**
     * One subscription of the connection.
     *
     * @param sub     the client's id for it; null for the plain form ({@code {"type":"subscribe","table":"items"}})
     * @param filter  as the client wrote it; empty for all rows
     * @param live    false while it catches up (a replay or a snapshot), its live changes held back
     * @param lastSeq the last change it was sent (or, while catching up, resumes after)
     */
    public record Sub(String sub, String table, String filter, boolean live, long lastSeq) {
    }
}
