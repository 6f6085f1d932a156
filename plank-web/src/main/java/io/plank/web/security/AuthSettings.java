package io.plank.web.security;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code plank.auth.*}: where the keys that sign tokens come from (a JWKS URL, a PEM public key, or both), the issuer
 * and audience tokens must name, the claim holding roles, the clock skew allowed, the roles of callers without a
 * token and the role the admin API needs.
 */
@ApplicationScoped
public class AuthSettings {

    @Inject
    @ConfigProperty(name = "plank.auth.jwks-url")
    Optional<String> jwksUrl;

    @Inject
    @ConfigProperty(name = "plank.auth.public-key")
    Optional<String> publicKey;

    @Inject
    @ConfigProperty(name = "plank.auth.issuer")
    Optional<String> issuer;

    @Inject
    @ConfigProperty(name = "plank.auth.audience")
    Optional<String> audience;

    @Inject
    @ConfigProperty(name = "plank.auth.roles-claim", defaultValue = "groups")
    String rolesClaim;

    @Inject
    @ConfigProperty(name = "plank.auth.clock-skew-seconds", defaultValue = "30")
    int clockSkewSeconds;

    /** The least time between two fetches of the JWKS, also when tokens name unknown keys (a flood of them fetches no more). */
    @Inject
    @ConfigProperty(name = "plank.auth.jwks-refresh-seconds", defaultValue = "10")
    int jwksRefreshSeconds;

    @Inject
    @ConfigProperty(name = "plank.auth.admin-role", defaultValue = "plank-admin")
    String adminRole;

    public Optional<String> jwksUrl() {
        return jwksUrl.filter(url -> !url.isBlank());
    }

    public Optional<String> publicKey() {
        return publicKey.filter(key -> !key.isBlank());
    }

    public Optional<String> issuer() {
        return issuer.filter(value -> !value.isBlank());
    }

    public Optional<String> audience() {
        return audience.filter(value -> !value.isBlank());
    }

    public String rolesClaim() {
        return rolesClaim;
    }

    public int clockSkewSeconds() {
        return clockSkewSeconds;
    }

    public int jwksRefreshSeconds() {
        return jwksRefreshSeconds;
    }

    public String adminRole() {
        return adminRole;
    }

    /** Lists are asked for, not injected: Payara cannot inject {@code Optional<List<String>>} (ARCHITECTURE.md). */
    public List<String> anonymousRoles() {
        return list("plank.auth.anonymous-roles");
    }

    static List<String> list(String name) {
        return ConfigProvider.getConfig().getOptionalValues(name, String.class).orElse(List.of()).stream()
                .map(String::strip).filter(value -> !value.isEmpty()).toList();
    }
}
