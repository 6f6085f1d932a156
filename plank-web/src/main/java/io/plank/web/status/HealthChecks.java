package io.plank.web.status;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import io.plank.listener.feed.ChangeListener;
import io.plank.listener.feed.ListenerState;
import io.plank.listener.feed.ListenerStatus;

/**
 * Readiness follows the listener: it is UP only while the LISTEN connection is open, which also
 * means the database is reachable (the listener checks its connection while idle). Liveness stays UP
 * while the listener is still trying: a restart would not bring the database back.
 */
@ApplicationScoped
public class HealthChecks {

    @Inject
    ChangeListener listener;

    @Produces
    @Readiness
    HealthCheck listening() {
        return () -> {
            ListenerStatus status = listener.status();
            var response = HealthCheckResponse.named("plank-listener")
                    .status(status.listening())
                    .withData("state", status.state().name())
                    .withData("reconnects", status.reconnects());
            if (status.lastError() != null) {
                response.withData("last_error", status.lastError());
            }
            return response.build();
        };
    }

    @Produces
    @Liveness
    HealthCheck running() {
        return () -> HealthCheckResponse.named("plank-listener-thread")
                .status(listener.status().state() != ListenerState.STOPPED)
                .build();
    }
}
