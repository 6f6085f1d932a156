package io.plank.persistence.feed;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.plank.persistence.changelog.ChangeLog;

/**
 * Ready while the change log can be read through the application's pool: that is what resuming clients and
 * the REST API need. Reports how far the log reaches, its size, and how far the listener lags behind it.
 */
@Readiness
@ApplicationScoped
public class ChangeLogReadiness implements HealthCheck {

    @Inject
    ChangeLog changeLog;

    @Inject
    ListenerMonitor listener;

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("plank-change-log");
        try {
            ChangeLog.Stats stats = changeLog.stats();
            long lastSeq = listener.status().lastSeq();
            return response.up()
                    .withData("newest_seq", stats.newestSeq())
                    .withData("listener_lag", Math.max(0, stats.newestSeq() - lastSeq))
                    .withData("pruned_through", stats.prunedThrough())
                    .withData("approximate_rows", stats.approximateRows())
                    .withData("bytes", stats.bytes())
                    .build();
        } catch (RuntimeException e) {
            return response.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
