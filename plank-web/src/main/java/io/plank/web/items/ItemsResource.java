package io.plank.web.items;

import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.plank.domain.items.NoSuchItemException;
import io.plank.persistence.items.Items;
import io.plank.web.security.Guard;

/**
 * {@code /api/items}. Every change made here reaches WebSocket clients through the database trigger, like any other write.
 * Reads need the {@code read} grant on {@code items}, writes the {@code write} grant.
 */
@Path("items")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ItemsResource {

    /** The table these resources read and write, for the grants. */
    static final String TABLE = "items";

    @Inject
    Items items;

    @Inject
    Guard guard;

    @Context
    SecurityContext security;

    @Operation(summary = "A page of items, by id")
    @GET
    public ItemPage list(@QueryParam("offset") String offset, @QueryParam("limit") String limit) {
        readable();
        Paging paging = Paging.of(offset, limit);
        var page = items.page(paging.offset(), paging.limit()).stream().map(ItemView::of).toList();
        return new ItemPage(page, paging.offset(), paging.limit(), items.count());
    }

    @Operation(summary = "One item")
    @GET
    @Path("{id:[0-9]+}")
    public ItemView get(@PathParam("id") long id) {
        readable();
        return items.find(id).map(ItemView::of).orElseThrow(() -> new NoSuchItemException(id));
    }

    @Operation(summary = "Creates an item; 201 with its Location")
    @POST
    public Response create(@NotNull @Valid ItemRequest request, @Context UriInfo uri) {
        guard.requireWrite(security, TABLE);
        var item = ItemView.of(items.create(request.name(), request.valueAsInt()));
        return Response.created(uri.getAbsolutePathBuilder().path(Long.toString(item.id())).build()).entity(item).build();
    }

    @Operation(summary = "Replaces an item; with version, 409 if it changed meanwhile")
    @PUT
    @Path("{id:[0-9]+}")
    public ItemView update(@PathParam("id") long id, @NotNull @Valid ItemRequest request) {
        guard.requireWrite(security, TABLE);
        return ItemView.of(items.update(id, request.name(), request.valueAsInt(), request.versionAsInt()));
    }

    @Operation(summary = "Deletes an item")
    @DELETE
    @Path("{id:[0-9]+}")
    public Response delete(@PathParam("id") long id) {
        guard.requireWrite(security, TABLE);
        items.delete(id);
        return Response.noContent().build();
    }

    /** Items are read whole: a row binding on {@code items} would leave nothing a page could show, so it refuses instead. */
    private void readable() {
        if (guard.requireRead(security, TABLE, null) != null) {
            throw new jakarta.ws.rs.ForbiddenException("Table 'items' is bound to a claim; read it through a subscription or the event stream");
        }
    }
}
