package io.plank.web.metrics;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

/** {@code /api/metrics}: Plank's metrics in Prometheus's text format, for a scraper. */
@Path("metrics")
@Tag(name = "metrics", description = "Metrics for Prometheus")
public class MetricsResource {

    private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();

    @Inject
    PlankMetrics metrics;

    @Operation(summary = "Plank's metrics in Prometheus's text format (0.0.4)")
    @GET
    @Produces("text/plain")
    public Response scrape() {
        var snapshots = metrics.registry().scrape();
        StreamingOutput body = out -> TEXT.write(out, snapshots);
        return Response.ok(body, PrometheusTextFormatWriter.CONTENT_TYPE).build();
    }
}
