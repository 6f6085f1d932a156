package io.plank.web.admin;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code plank.admin.enabled}: whether the admin API ({@code /api/tables}, {@code /api/sessions}) answers at all. Its
 * calls change what Plank captures and who stays connected, and Plank has no authentication yet, so it is off unless
 * an operator turns it on, behind a gateway that authenticates. The admin role replaces this with the security work.
 */
@ApplicationScoped
public class AdminSwitch {

    @Inject
    @ConfigProperty(name = "plank.admin.enabled", defaultValue = "false")
    boolean enabled;

    /** Refuses the request with 403 (problem+json, saying how to turn the API on) unless the admin API is on. */
    public void require() {
        if (!enabled) {
            throw new ForbiddenException("The admin API is off: set plank.admin.enabled=true, behind your gateway's authentication");
        }
    }
}
