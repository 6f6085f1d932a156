package io.plank.web.cors;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CorsPolicyTest {

    @Test
    void allowsOnlyListedOrigins() {
        var policy = CorsPolicy.of(List.of(" https://app.example.com", " http://localhost:3000/ ", ""));
        assertTrue(policy.allows("https://app.example.com"));
        assertTrue(policy.allows("http://localhost:3000"));
        assertFalse(policy.allows("https://evil.example.com"));
        assertFalse(policy.allows("https://app.example.com.evil.net"));
        assertFalse(policy.allows(null));
    }

    @Test
    void nothingConfiguredAllowsNoOrigin() {
        assertFalse(CorsPolicy.of(List.of()).allows("https://app.example.com"));
        assertFalse(CorsPolicy.of(List.of("")).allows("https://app.example.com"));
    }

    @Test
    void starAllowsEveryOrigin() {
        assertTrue(CorsPolicy.of(List.of("*")).allows("https://anywhere.example"));
    }
}
