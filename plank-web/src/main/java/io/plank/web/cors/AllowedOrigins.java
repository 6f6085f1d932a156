package io.plank.web.cors;

import java.util.List;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;

/**
 * The origins named in {@code plank.cors.origins}, for REST (CORS) and the WebSocket handshake alike. Read as a list
 * through {@link Config} (see ChangeListener for why not {@code Optional<List<String>>}).
 */
@ApplicationScoped
public class AllowedOrigins {

    @Inject
    Config config;

    private CorsPolicy policy;

    @PostConstruct
    void init() {
        policy = CorsPolicy.of(config.getOptionalValues("plank.cors.origins", String.class).orElse(List.of()));
    }

    public CorsPolicy policy() {
        return policy;
    }
}
