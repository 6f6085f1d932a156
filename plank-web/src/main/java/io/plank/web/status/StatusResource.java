package io.plank.web.status;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.plank.web.overview.Overview;
import io.plank.web.overview.Snapshot;

/** {@code /api/status}: this instance's {@link Snapshot}, serialised by JSON-B in snake_case. */
@Path("status")
@Tag(name = "status", description = "This instance's sessions, tables, listener, change log and backlog")
public class StatusResource {

    @Inject
    Overview overview;

    @Operation(summary = "What this instance is doing now")
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Snapshot status() {
        return overview.read();
    }
}
