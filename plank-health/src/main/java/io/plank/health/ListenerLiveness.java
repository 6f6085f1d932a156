package io.plank.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Alive while the listener thread runs, even when it is waiting for the database: a restart would not bring that back. */
@Liveness
@ApplicationScoped
public class ListenerLiveness implements HealthCheck {

    @Inject
    ListenerMonitor listener;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("plank-listener-thread")
                .status(listener.status().state() != ListenerState.STOPPED)
                .build();
    }
}
