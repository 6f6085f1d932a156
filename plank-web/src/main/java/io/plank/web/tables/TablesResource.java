package io.plank.web.tables;

import java.util.List;
import java.util.Map;
import java.util.Set;
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
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.plank.domain.access.AccessPolicy;
import io.plank.domain.access.Grant;
import io.plank.domain.access.Privilege;
import io.plank.domain.access.RowBinding;
import io.plank.domain.change.CaptureMode;
import io.plank.domain.change.TableName;
import io.plank.domain.text.Excerpt;
import io.plank.persistence.access.StoredAccess;
import io.plank.persistence.capture.CapturedTables;
import io.plank.persistence.capture.Captures;
import io.plank.web.admin.AdminSwitch;
import io.plank.web.problems.InvalidRequestException;
import io.plank.web.security.Access;
import io.plank.web.socket.fanout.Router;

/**
 * {@code /api/tables}: list the captured tables with who may read and write them, capture one
 * ({@code PUT /api/tables/orders}), release one ({@code DELETE}), replace a table's stored grants
 * ({@code PUT /api/tables/orders/grants}) and bind its rows to a token claim ({@code PUT} or {@code DELETE
 * /api/tables/orders/binding}). An operator's acts: off unless {@code plank.admin.enabled} is true, and only for the
 * admin role. Grants and bindings are stored in the database; the configured ones ({@code plank.grants},
 * {@code plank.row-bindings}) are listed with them but changed only in configuration.
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

    @Inject
    Access access;

    @Inject
    StoredAccess storedAccess;

    @Context
    SecurityContext security;

    /** One captured table in the list: who may read and write it (every grant in force) and its row binding, if any. */
    public record CapturedTable(String table, String mode, int subscribers, long changes, List<String> read, List<String> write,
                                Binding binding) {
    }

    /** A table's row binding: rows whose {@code column} holds the token's {@code claim}. */
    public record Binding(String column, String claim) {
    }

    /** The stored grants of a table, replaced whole by {@code PUT .../grants}. */
    public record Grants(List<String> read, List<String> write) {
    }

    /** The answer to a capture: the table as Plank names it, and its mode. */
    public record Captured(String table, String mode) {
    }

    @Operation(summary = "The captured tables with their mode, subscribers and changes")
    @GET
    public List<CapturedTable> list() {
        admin.require(security);
        Map<String, Integer> subscribers = router.subscribers();
        AccessPolicy policy = access.policy();
        return new TreeMap<>(capturedTables.all()).entrySet().stream()
                .map(entry -> new CapturedTable(entry.getKey(), entry.getValue().sqlName(),
                        subscribers.getOrDefault(entry.getKey(), 0), router.stats(entry.getKey()).changes(),
                        List.copyOf(policy.roles(entry.getKey(), Privilege.READ)), List.copyOf(policy.roles(entry.getKey(), Privilege.WRITE)),
                        policy.binding(entry.getKey()).map(b -> new Binding(b.column(), b.claim())).orElse(null)))
                .toList();
    }

    @Operation(summary = "Replaces the stored grants of a table: the roles that may read it and write it")
    @PUT
    @Path("{name}/grants")
    @Consumes(MediaType.APPLICATION_JSON)
    public Grants grant(@PathParam("name") String name, Grants grants) {
        admin.require(security);
        if (grants == null || grants.read() == null || grants.write() == null) {
            throw new InvalidRequestException("Send {\"read\":[roles],\"write\":[roles]}; an empty list grants nothing");
        }
        // Clearing is allowed for any name: the rules of a table since dropped must not lie in wait for a new one.
        String table = (grants.read().isEmpty() && grants.write().isEmpty() ? table(name) : existing(name)).toString();
        storedAccess.replaceGrants(table, roles(grants.read()), roles(grants.write()));
        return grants;
    }

    @Operation(summary = "Binds the rows of a table to a token claim: callers read only the rows whose column holds their claim")
    @PUT
    @Path("{name}/binding")
    @Consumes(MediaType.APPLICATION_JSON)
    public Binding bind(@PathParam("name") String name, Binding binding) {
        admin.require(security);
        TableName table = table(name);
        Set<String> columns = captures.columns(table); // 404 if there is no such table
        if (binding == null) {
            throw new InvalidRequestException("Send {\"column\":\"tenant_id\",\"claim\":\"tenant\"}");
        }
        try {
            var rows = new RowBinding(table.toString(), binding.column(), binding.claim());
            if (!columns.contains(rows.column())) {
                // stored, it would refuse every subscriber of the table with an invalid_filter about a filter it never sent
                throw new InvalidRequestException("Table " + table + " has no column '" + Excerpt.of(rows.column()) + "'");
            }
            storedAccess.bind(rows);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        return binding;
    }

    @Operation(summary = "Removes the stored row binding of a table")
    @DELETE
    @Path("{name}/binding")
    public Response unbind(@PathParam("name") String name) {
        admin.require(security);
        if (!storedAccess.unbind(table(name).toString())) {
            throw new jakarta.ws.rs.NotFoundException("Table '" + name + "' has no stored row binding");
        }
        return Response.noContent().build();
    }

    private static List<String> roles(List<String> roles) {
        try {
            return roles.stream().map(Grant::role).distinct().toList();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidRequestException(e.getMessage() == null ? "A role is a non-empty name" : e.getMessage());
        }
    }

    @Operation(summary = "Captures a table (durable or ephemeral)")
    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response capture(@PathParam("name") String name, CaptureRequest request, @Context UriInfo uri) {
        admin.require(security);
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
        admin.require(security);
        captures.release(table(name));
        return Response.noContent().build();
    }

    /**
     * A table that exists, captured or not: rules may be stored before a table is captured, so that its first change
     * goes out under them; rules for a table that does not exist would lie in wait for one created later. 404 if none.
     */
    private TableName existing(String name) {
        TableName table = table(name);
        captures.columns(table);
        return table;
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
