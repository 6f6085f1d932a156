package io.plank.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while the LISTEN connection is open: that is when changes flow, and it also means the
 * database is reachable, since the listener checks its connection whenever it is idle.
 */
@Readiness
@ApplicationScoped
public class ListenerReadiness implements HealthCheck {

    @Inject
    ListenerMonitor listener;

    @Override
    public HealthCheckResponse call() {
        ListenerStatus status = listener.status();
        var response = HealthCheckResponse.named("plank-listener")
                .status(status.listening())
                .withData("state", status.state().name())
                .withData("reconnects", status.reconnects())
                .withData("last_seq", status.lastSeq())
                .withData("lag", status.lag());
        if (status.lastError() != null) {
            response.withData("last_error", status.lastError());
        }
        return response.build();
    }
}
