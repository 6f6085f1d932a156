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

    @Test
    void aWebSocketHandshakeComesFromPlanksOwnPagesOrAnAllowedOrigin() {
        var policy = CorsPolicy.of(List.of("https://app.example.com"));
        assertTrue(policy.allowsWebSocket(null, "plank.internal:8080"), "no Origin: a program, not a page");
        assertTrue(policy.allowsWebSocket("http://plank.internal:8080", "plank.internal:8080"));
        assertTrue(policy.allowsWebSocket("http://PLANK.internal:8080", "plank.internal:8080"), "host names ignore case");
        assertTrue(policy.allowsWebSocket("https://plank.example.com", "plank.example.com"), "behind a TLS proxy passing Host");
        assertTrue(policy.allowsWebSocket("https://plank.example.com", "plank.example.com:443"));
        assertTrue(policy.allowsWebSocket("https://app.example.com", "plank.internal:8080"), "listed");
        assertFalse(policy.allowsWebSocket("http://evil.example", "plank.internal:8080"));
        assertFalse(policy.allowsWebSocket("http://plank.internal:9999", "plank.internal:8080"), "another port is another origin");
        assertFalse(policy.allowsWebSocket("http://plank.internal.evil.example:8080", "plank.internal:8080"));
        assertFalse(policy.allowsWebSocket("null", "plank.internal:8080"), "sandboxed pages and local files");
        assertFalse(policy.allowsWebSocket("http://plank.internal:8080", null));
        assertFalse(policy.allowsWebSocket("not a url", "plank.internal:8080"));
    }

    @Test
    void starAllowsEveryPageToo() {
        assertTrue(CorsPolicy.of(List.of("*")).allowsWebSocket("http://evil.example", "plank.internal:8080"));
    }
}
