package io.plank.systemtests;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

/**
 * The identity provider of the system tests: RSA keys, their JWKS served over HTTP from this JVM (the servers under test
 * fetch it as {@code plank.auth.jwks-url}), and tokens signed with them, good and bad. {@link #rotate} adds a key and
 * signs with it from then on, as a provider rotating its keys does.
 */
final class TestTokens {

    static final String ISSUER = "https://idp.plank.test";
    static final String AUDIENCE = "plank";

    private static final List<RSAKey> keys = new ArrayList<>();
    private static HttpServer server;

    private TestTokens() {
    }

    /** The JWKS's address, serving it from now on. */
    static synchronized URI jwksUrl() {
        if (server == null) {
            keys.add(newKey());
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new AssertionError("Could not serve the test JWKS", e);
            }
            server.createContext("/jwks.json", exchange -> {
                byte[] body = jwks().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
        }
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
    }

    /** The settings that make a server trust these tokens. */
    static Map<String, String> environment() {
        return Map.of("PLANK_AUTH_JWKS_URL", jwksUrl().toString(), "PLANK_AUTH_ISSUER", ISSUER, "PLANK_AUTH_AUDIENCE", AUDIENCE,
                // A rotated key is picked up within a second, so the rotation test need not wait.
                "PLANK_AUTH_JWKS_REFRESH_SECONDS", "1");
    }

    private static synchronized String jwks() {
        return new JWKSet(keys.stream().map(key -> (com.nimbusds.jose.jwk.JWK) key.toPublicJWK()).toList()).toString();
    }

    /** Publishes a new key and signs with it from now on; the old keys stay published. */
    static synchronized void rotate() {
        keys.add(newKey());
    }

    /** A token for {@code subject} with {@code groups} and more {@code claims}, valid for {@code lifetime}. */
    static String token(String subject, List<String> groups, Map<String, Object> claims, Duration lifetime) {
        return sign(currentKey(), claims(subject, groups, claims, lifetime).build());
    }

    static String token(String subject, List<String> groups) {
        return token(subject, groups, Map.of(), Duration.ofMinutes(10));
    }

    static JWTClaimsSet.Builder claims(String subject, List<String> groups, Map<String, Object> claims, Duration lifetime) {
        Instant now = Instant.now();
        var builder = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject(subject).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime))).jwtID(UUID.randomUUID().toString()).claim("groups", groups);
        claims.forEach(builder::claim);
        return builder;
    }

    static String sign(RSAKey key, JWTClaimsSet claims) {
        try {
            var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code alg: none}: claims that would be accepted, unsigned. */
    static String unsigned(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }

    /** HS256 keyed with the published public key's bytes: the algorithm-confusion attack. */
    static String hmacWithPublicKey(JWTClaimsSet claims) {
        try {
            var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(currentKey().getKeyID()).build(), claims);
            byte[] secret = currentKey().toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }

    /** A key nobody published, with a kid the server knows: a forged signature. */
    static String forged(JWTClaimsSet claims) {
        RSAKey stranger = newKey();
        try {
            var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(currentKey().getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(stranger));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }

    static synchronized RSAKey currentKey() {
        jwksUrl();
        return keys.get(keys.size() - 1);
    }

    private static RSAKey newKey() {
        try {
            return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }
}
