package io.plank.web.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

import io.plank.domain.access.Grant;

/** The verifier with a PEM public key, RSA and EC, against good tokens and every kind of bad one. */
class TokenVerifierTest {

    private static final RSAKey RSA = generate();

    private static RSAKey generate() {
        try {
            return new RSAKeyGenerator(2048).keyID("rsa").generate();
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }

    static String pem(java.security.PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    static TokenVerifier verifier(String pem) {
        var settings = new AuthSettings();
        settings.publicKey = Optional.of(pem);
        settings.jwksUrl = Optional.empty();
        settings.issuer = Optional.of("https://idp.test");
        settings.audience = Optional.of("plank");
        settings.rolesClaim = "groups";
        settings.clockSkewSeconds = 30;
        settings.jwksRefreshSeconds = 10;
        var verifier = new TokenVerifier();
        verifier.settings = settings;
        verifier.init();
        return verifier;
    }

    private static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer("https://idp.test").audience("plank").subject("ann")
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5)))).claim("groups", List.of("sales"));
    }

    private static String sign(JWSSigner signer, JWSAlgorithm algorithm, JWTClaimsSet claims) throws JOSEException {
        var jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID("rsa").build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    @Test
    void aGoodTokenMakesACallerWithItsRolesClaimsAndExpiry() throws Exception {
        Caller caller = verifier(pem(RSA.toPublicKey())).verify(sign(new RSASSASigner(RSA), JWSAlgorithm.RS256,
                claims().claim("tenant", List.of("a", 7)).build()));
        assertEquals("ann", caller.subject());
        assertEquals(Set.of("sales", Grant.ANYONE, Grant.AUTHENTICATED), caller.roles());
        assertEquals(List.of("a", "7"), caller.claimValues("tenant"));
        assertFalse(caller.expired(Instant.now()));
        assertTrue(caller.expired(Instant.now().plus(Duration.ofMinutes(6))));
    }

    @Test
    void anEcKeyWorksToo() throws Exception {
        ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
        Caller caller = verifier(pem(ec.toPublicKey())).verify(sign(new ECDSASigner(ec), JWSAlgorithm.ES256, claims().build()));
        assertEquals("ann", caller.subject());
    }

    @Test
    void badTokensAreRefused() throws Exception {
        TokenVerifier verifier = verifier(pem(RSA.toPublicKey()));
        RSAKey stranger = new RSAKeyGenerator(2048).generate();
        List<String> bad = List.of(
                sign(new RSASSASigner(RSA), JWSAlgorithm.RS256, claims().expirationTime(Date.from(Instant.now().minusSeconds(120))).build()),
                sign(new RSASSASigner(RSA), JWSAlgorithm.RS256, claims().issuer("https://other").build()),
                sign(new RSASSASigner(RSA), JWSAlgorithm.RS256, claims().audience("other").build()),
                sign(new RSASSASigner(RSA), JWSAlgorithm.RS256, claims().subject(null).build()),
                sign(new RSASSASigner(RSA), JWSAlgorithm.RS256, claims().subject("").build()),
                sign(new RSASSASigner(RSA), JWSAlgorithm.RS256, claims().subject(" ").build()),
                sign(new RSASSASigner(RSA), JWSAlgorithm.RS256, claims().expirationTime(null).build()),
                sign(new RSASSASigner(RSA), JWSAlgorithm.RS256, claims().claim("groups", 42).build()),
                sign(new RSASSASigner(stranger), JWSAlgorithm.RS256, claims().build()),
                sign(new MACSigner(RSA.toPublicJWK().toJSONString().repeat(2).getBytes()), JWSAlgorithm.HS256, claims().build()),
                new PlainJWT(claims().build()).serialize(),
                "", "a.b.c", "x".repeat(TokenVerifier.MAX_TOKEN_LENGTH + 1));
        for (String token : bad) {
            assertThrows(InvalidTokenException.class, () -> verifier.verify(token), token.length() > 80 ? token.substring(0, 80) : token);
        }
    }

    @Test
    void aTokenExpiredInsideTheClockSkewIsAcceptedAndItsCallerExpiresAtExpPlusSkew() throws Exception {
        Instant exp = Instant.ofEpochSecond(Instant.now().minusSeconds(10).getEpochSecond());
        Caller caller = verifier(pem(RSA.toPublicKey())).verify(sign(new RSASSASigner(RSA), JWSAlgorithm.RS256,
                claims().expirationTime(Date.from(exp)).build()));
        assertEquals(exp, caller.expiresAt(), "the token's own exp");
        assertEquals(exp.plusSeconds(30), caller.validUntil());
        assertFalse(caller.expired(Instant.now()), "accepted, so not expired");
        assertFalse(caller.expired(exp.plusSeconds(29)));
        assertTrue(caller.expired(exp.plusSeconds(30)), "no longer accepted at exp + skew, so expired");
    }

    @Test
    void withoutAKeyEveryTokenIsRefused() throws Exception {
        var settings = new AuthSettings();
        settings.publicKey = Optional.empty();
        settings.jwksUrl = Optional.empty();
        settings.issuer = Optional.empty();
        settings.audience = Optional.empty();
        var verifier = new TokenVerifier();
        verifier.settings = settings;
        verifier.init();
        assertFalse(verifier.enabled());
        String good = sign(new RSASSASigner(RSA), JWSAlgorithm.RS256, claims().build());
        assertThrows(InvalidTokenException.class, () -> verifier.verify(good));
    }
}
