package io.plank.web.tables;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.plank.domain.change.CaptureMode;
import io.plank.domain.change.TableName;
import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.capture.Captures;
import io.plank.web.admin.AdminSwitch;
import io.plank.web.problems.InvalidRequestException;
import io.plank.web.socket.Router;

/**
 * {@code /api/tables}: list the captured tables, capture one ({@code PUT /api/tables/orders}), release one
 * ({@code DELETE}). Attaching triggers is an operator's act, so the resource is off unless
 * {@code plank.admin.enabled} is true; until Plank has authentication, keep it behind your gateway.
 */
@Path("tables")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin", description = "Which tables are captured, and the open sessions; off unless plank.admin.enabled")
public class TablesResource {

    @Inject
    Captures captures;

    @Inject
    CapturedTables capturedTables;

    @Inject
    Router router;

    @Inject
    AdminSwitch admin;

    /** One captured table in the list. */
    public record CapturedTable(String table, String mode, int subscribers, long changes) {
    }

    /** The answer to a capture: the table as Plank names it, and its mode. */
    public record Captured(String table, String mode) {
    }

    @Operation(summary = "The captured tables with their mode, subscribers and changes")
    @GET
    public List<CapturedTable> list() {
        admin.require();
        Map<String, Integer> subscribers = router.subscribers();
        return new TreeMap<>(capturedTables.all()).entrySet().stream()
                .map(entry -> new CapturedTable(entry.getKey(), entry.getValue().sqlName(),
                        subscribers.getOrDefault(entry.getKey(), 0), router.stats(entry.getKey()).changes()))
                .toList();
    }

    @Operation(summary = "Captures a table (durable or ephemeral)")
    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response capture(@PathParam("name") String name, CaptureRequest request, @Context UriInfo uri) {
        admin.require();
        TableName table = table(name);
        CaptureMode mode = mode(request == null ? null : request.mode());
        boolean created = captures.capture(table, mode);
        var body = new Captured(table.toString(), mode.sqlName());
        return (created ? Response.created(uri.getAbsolutePath()) : Response.ok()).entity(body).build();
    }

    @Operation(summary = "Stops capturing a table; its subscriptions end")
    @DELETE
    @Path("{name}")
    public Response release(@PathParam("name") String name) {
        admin.require();
        captures.release(table(name));
        return Response.noContent().build();
    }

    private static TableName table(String name) {
        try {
            return TableName.parse(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }

    private static CaptureMode mode(String mode) {
        if (mode == null) {
            return CaptureMode.DURABLE;
        }
        try {
            return CaptureMode.ofSqlName(mode);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("mode must be durable or ephemeral");
        }
    }
}
