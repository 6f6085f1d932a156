package io.plank.web.admin;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.core.SecurityContext;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.plank.web.security.Guard;

/**
 * The admin API ({@code /api/tables}, {@code /api/sessions}): its calls change what Plank captures, who reads it and who
 * stays connected. It answers only when {@code plank.admin.enabled} is true, and then only to callers with the admin role
 * ({@code plank.auth.admin-role}).
 */
@ApplicationScoped
public class AdminSwitch {

    @Inject
    @ConfigProperty(name = "plank.admin.enabled", defaultValue = "false")
    boolean enabled;

    @Inject
    Guard guard;

    /**
     * Refuses the request with 403 (problem+json, saying how to turn the API on) unless the admin API is on, and with
     * 401 or 403 unless the caller has the admin role.
     */
    public void require(SecurityContext security) {
        if (!enabled) {
            throw new ForbiddenException("The admin API is off: set plank.admin.enabled=true");
        }
        guard.requireAdmin(security);
    }
}
