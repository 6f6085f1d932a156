package io.plank.web.cors;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CorsPolicyTest {

    @Test
    void allowsOnlyListedOrigins() {
        var policy = CorsPolicy.parse(" https://app.example.com, http://localhost:3000/ ,");
        assertTrue(policy.allows("https://app.example.com"));
        assertTrue(policy.allows("http://localhost:3000"));
        assertFalse(policy.allows("https://evil.example.com"));
        assertFalse(policy.allows("https://app.example.com.evil.net"));
        assertFalse(policy.allows(null));
    }

    @Test
    void nothingConfiguredAllowsNoOrigin() {
        assertFalse(CorsPolicy.parse("").allows("https://app.example.com"));
        assertFalse(CorsPolicy.parse(null).allows("https://app.example.com"));
    }

    @Test
    void starAllowsEveryOrigin() {
        assertTrue(CorsPolicy.parse("*").allows("https://anywhere.example"));
    }
}
