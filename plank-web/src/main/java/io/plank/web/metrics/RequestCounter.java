package io.plank.web.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.Provider;

/** Counts every REST answer by the resource that gave it ({@code none} for an unknown path), method and status. */
@Provider
@ApplicationScoped
public class RequestCounter implements ContainerResponseFilter {

    @Inject
    PlankMetrics metrics;

    @Context
    ResourceInfo resource;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        metrics.requestAnswered(resourceName(), request.getMethod(), response.getStatus());
    }

    /** The resource class's {@code @Path}, looked for up the hierarchy: a container may hand over a proxy subclass. */
    private String resourceName() {
        for (Class<?> type = resource == null ? null : resource.getResourceClass(); type != null; type = type.getSuperclass()) {
            Path path = type.getAnnotation(Path.class);
            if (path != null) {
                return path.value();
            }
        }
        return "none";
    }
}
