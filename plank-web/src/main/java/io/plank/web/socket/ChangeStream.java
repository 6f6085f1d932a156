package io.plank.web.socket;

import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.plank.web.limits.Admission;
import io.plank.web.limits.ConnectionsPerAddress;
import io.plank.web.problems.Problems;
import io.plank.web.problems.UnexpectedErrorMapper;
import io.plank.web.security.Guard;
import io.plank.web.socket.fanout.Client;
import io.plank.web.socket.outbox.EventStreamTransport;
import io.plank.web.socket.protocol.ClientMessage;
import io.plank.web.socket.protocol.ProtocolError;

/**
 * {@code GET /api/changes/{table}?sub=&filter=&since=&snapshot=&tx_end=}: one subscription's frames as Server-Sent Events, for
 * clients without WebSocket (services, {@code curl}, proxies that refuse upgrades). The same subscription as a
 * WebSocket {@code subscribe} with those fields, with the same checks and the same guarantees: each event is
 * named by the frame's type and carries the frame as data; the ids let an EventSource resume by itself through
 * Last-Event-ID, which, when sent, stands for {@code since} (and a snapshot is then not sent again). See
 * {@link EventStreamTransport}. A subscription Plank refuses is answered with problem+json before any event, and so
 * is a stream from an address that holds {@code plank.ws.max-connections-per-address} connections already (429), and
 * one over the server's {@code plank.ws.admission-rate} (503 with {@code Retry-After}). The
 * caller is the request's ({@code Authorization: Bearer}); the stream ends when its token expires.
 */
@Path("changes")
@Tag(name = "changes", description = "A table's changes as Server-Sent Events, for clients without WebSocket")
public class ChangeStream {

    /** The header an EventSource sends when it reconnects: the id of the last event it received. */
    static final String LAST_EVENT_ID = "Last-Event-ID";

    @Inject
    Sessions sessions;

    @Inject
    Requests requests;

    @Inject
    Guard guard;

    @Inject
    ConnectionsPerAddress connections;

    @Inject
    Admission admission;

    @Operation(summary = "One subscription's frames as events; the change's seq is the event id (Last-Event-ID resumes)")
    @GET
    @Path("{table}")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void stream(@PathParam("table") String table, @QueryParam("sub") String sub, @QueryParam("filter") String filter,
                       @QueryParam("since") String since,
                       @QueryParam("snapshot") String snapshot, @QueryParam("tx_end") String txEnd,
                       @HeaderParam(LAST_EVENT_ID) String lastEventId,
                       @Context SseEventSink sink, @Context Sse sse, @Context SecurityContext security,
                       @Context HttpServletRequest http) {
        boolean resuming = lastEventId != null && !lastEventId.isBlank();
        ClientMessage request;
        try {
            request = ClientMessage.stream(table, sub, filter, resuming ? lastEventId.strip() : since, resuming ? null : snapshot, txEnd);
        } catch (ProtocolError refused) {
            throw refusal(refused);
        }
        var start = request.snapshot() ? EventStreamTransport.Start.SNAPSHOT
                : request.since() != null ? EventStreamTransport.Start.REPLAY : EventStreamTransport.Start.LIVE;
        long retryAfter = admission.admit(System.nanoTime());
        if (retryAfter > 0) {
            throw new WebApplicationException(Response.fromResponse(Problems.of(Response.Status.SERVICE_UNAVAILABLE,
                    admission.refusal(retryAfter))).header(HttpHeaders.RETRY_AFTER, retryAfter).build());
        }
        Client client = sessions.openStream(sink, sse, start, guard.caller(security), http.getRemoteAddr());
        if (client == null) {
            throw new WebApplicationException(Problems.of(Response.Status.TOO_MANY_REQUESTS, connections.refusal()));
        }
        try {
            requests.subscribeStream(client, request);
        } catch (ProtocolError refused) {
            sessions.close(client.id());
            throw refusal(refused);
        }
    }

    private static WebApplicationException refusal(ProtocolError error) {
        Response.Status status = switch (error.code()) {
            case ProtocolError.UNKNOWN_TABLE -> Response.Status.NOT_FOUND;
            case ProtocolError.UNAUTHORIZED -> Response.Status.UNAUTHORIZED;
            case ProtocolError.FORBIDDEN -> Response.Status.FORBIDDEN;
            case ProtocolError.UNAVAILABLE -> Response.Status.SERVICE_UNAVAILABLE;
            case ProtocolError.INTERNAL_ERROR -> Response.Status.INTERNAL_SERVER_ERROR;
            default -> Response.Status.BAD_REQUEST;
        };
        var response = Response.status(status);
        if (status == Response.Status.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        if (status == Response.Status.SERVICE_UNAVAILABLE) {
            response.header(HttpHeaders.RETRY_AFTER, UnexpectedErrorMapper.RETRY_AFTER_SECONDS);
        }
        return new WebApplicationException(error.getMessage(), response.build());
    }
}
