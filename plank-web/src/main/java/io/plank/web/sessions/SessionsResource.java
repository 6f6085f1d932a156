package io.plank.web.sessions;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.plank.domain.text.Excerpt;
import io.plank.web.admin.AdminSwitch;
import io.plank.web.socket.SessionInfo;
import io.plank.web.socket.Sessions;

/**
 * {@code /api/sessions}: the open WebSocket connections of this instance with their subscriptions and backlog
 * ({@code GET}), and disconnecting one ({@code DELETE /api/sessions/{id}}, closed with 1008). Part of the admin API:
 * off unless {@code plank.admin.enabled} is true.
 */
@Path("sessions")
@Produces(MediaType.APPLICATION_JSON)
public class SessionsResource {

    @Inject
    Sessions sessions;

    @Inject
    AdminSwitch admin;

    @GET
    public List<SessionInfo> list() {
        admin.require();
        return sessions.list();
    }

    @DELETE
    @Path("{id}")
    public Response disconnect(@PathParam("id") String id) {
        admin.require();
        if (!sessions.disconnect(id)) {
            throw new NotFoundException("No open session '" + Excerpt.of(id) + "' on this instance");
        }
        return Response.noContent().build();
    }
}
