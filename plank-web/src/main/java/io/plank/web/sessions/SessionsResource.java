package io.plank.web.sessions;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.plank.domain.text.Excerpt;
import io.plank.web.admin.AdminSwitch;
import io.plank.web.socket.Sessions;
import io.plank.web.socket.fanout.SessionInfo;

/**
 * {@code /api/sessions}: the open WebSocket connections of this instance with their subscriptions and backlog
 * ({@code GET}), and disconnecting one ({@code DELETE /api/sessions/{id}}, closed with 1008). Part of the admin API:
 * off unless {@code plank.admin.enabled} is true, and only for the admin role.
 */
@Path("sessions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
public class SessionsResource {

    @Inject
    Sessions sessions;

    @Inject
    AdminSwitch admin;

    @Operation(summary = "The open WebSocket sessions and event streams, with their subscriptions and backlog")
    @GET
    public List<SessionInfo> list(@Context SecurityContext security) {
        admin.require(security);
        return sessions.list();
    }

    @Operation(summary = "Disconnects a session (a WebSocket is closed with 1008)")
    @DELETE
    @Path("{id}")
    public Response disconnect(@PathParam("id") String id, @Context SecurityContext security) {
        admin.require(security);
        if (!sessions.disconnect(id)) {
            throw new NotFoundException("No open session '" + Excerpt.of(id) + "' on this instance");
        }
        return Response.noContent().build();
    }
}
