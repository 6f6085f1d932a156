package io.plank.web.security;

import java.net.MalformedURLException;
import java.net.URI;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

/**
 * Checks a bearer JWT and makes a {@link Caller} of it, with Nimbus JOSE+JWT: the signature against the configured
 * public key or the JWKS (fetched again, no more often than {@code plank.auth.jwks-refresh-seconds}, when a token names a
 * key it does not know: keys can rotate), asymmetric algorithms only (so {@code alg: none} and HMAC tokens are
 * refused), {@code exp} required and in the future, {@code nbf} passed, {@code iss} and {@code aud} as configured,
 * {@code sub} present and not empty, all with the configured clock skew. Without a key configured, every token is refused.
 */
@ApplicationScoped
public class TokenVerifier {

    private static final Logger LOG = Logger.getLogger(TokenVerifier.class.getName());
    /** The longest token accepted; JWTs of real identity providers are a few KB. */
    public static final int MAX_TOKEN_LENGTH = 16 * 1024;
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(
            JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
            JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    @Inject
    AuthSettings settings;

    private DefaultJWTProcessor<SecurityContext> processor;

    @PostConstruct
    void init() {
        List<JWKSource<SecurityContext>> sources = new ArrayList<>();
        settings.publicKey().ifPresent(pem -> sources.add(single(jwk(pem))));
        settings.jwksUrl().ifPresent(url -> sources.add(remote(url)));
        if (sources.isEmpty()) {
            LOG.info("No plank.auth.public-key or plank.auth.jwks-url: bearer tokens are refused, callers are anonymous");
            return;
        }
        if (settings.issuer().isEmpty() || settings.audience().isEmpty()) {
            throw new IllegalStateException("plank.auth.issuer and plank.auth.audience must be set with a signing key");
        }
        JWKSource<SecurityContext> keys = sources.size() == 1 ? sources.get(0) : (selector, context) -> {
            List<JWK> found = new ArrayList<>();
            for (JWKSource<SecurityContext> source : sources) {
                found.addAll(source.get(selector, context));
            }
            return found;
        };
        var jwt = new DefaultJWTProcessor<SecurityContext>();
        jwt.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        var claims = new DefaultJWTClaimsVerifier<SecurityContext>(settings.audience().get(),
                new JWTClaimsSet.Builder().issuer(settings.issuer().get()).build(), Set.of("sub", "exp"));
        claims.setMaxClockSkew(settings.clockSkewSeconds());
        jwt.setJWTClaimsSetVerifier(claims);
        processor = jwt;
    }

    public boolean enabled() {
        return processor != null;
    }

    /** The caller {@code token} stands for. @throws InvalidTokenException saying why it is refused */
    public Caller verify(String token) throws InvalidTokenException {
        if (processor == null) {
            throw new InvalidTokenException("This server accepts no tokens: no signing key is configured (plank.auth.public-key or plank.auth.jwks-url)");
        }
        if (token == null || token.isBlank() || token.length() > MAX_TOKEN_LENGTH) {
            throw new InvalidTokenException("A token is a JWT of at most " + MAX_TOKEN_LENGTH + " characters");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token.strip(), null);
        } catch (KeySourceException e) {
            LOG.warning(() -> "Could not fetch the signing keys: " + e.getMessage());
            throw new InvalidTokenException("Plank could not fetch the keys to check the token; try again");
        } catch (ParseException e) {
            throw new InvalidTokenException("Not a JWT");
        } catch (BadJOSEException e) {
            throw new InvalidTokenException(e.getMessage());
        } catch (JOSEException e) {
            throw new InvalidTokenException("The token's signature could not be checked");
        }
        if (claims.getSubject() == null || claims.getSubject().isBlank()) { // present (Nimbus checks that) but empty
            throw new InvalidTokenException("The token's \"sub\" is empty: a token must name its subject");
        }
        Instant expires = claims.getExpirationTime().toInstant();
        Map<String, Object> values = new HashMap<>();
        claims.getClaims().forEach((name, value) -> {
            if (value != null) { // a JSON null is no value
                values.put(name, value);
            }
        });
        return Caller.authenticated(claims.getSubject(), roles(claims), values, expires, Duration.ofSeconds(settings.clockSkewSeconds()));
    }

    private Collection<String> roles(JWTClaimsSet claims) throws InvalidTokenException {
        Object value = claims.getClaim(settings.rolesClaim());
        if (value == null) {
            return List.of();
        }
        if (value instanceof String role) {
            return List.of(role);
        }
        if (value instanceof Collection<?> list && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw new InvalidTokenException("The claim \"" + settings.rolesClaim() + "\" must be a list of role names");
    }

    /**
     * The configured PEM key, for every token of its key type: a PEM key has no key id, so a token's {@code kid} (which
     * providers always set) must not rule it out.
     */
    private static JWKSource<SecurityContext> single(JWK key) {
        return (selector, context) -> {
            var types = selector.getMatcher().getKeyTypes();
            return types == null || types.contains(key.getKeyType()) ? List.of(key) : List.of();
        };
    }

    private JWKSource<SecurityContext> remote(String url) {
        try {
            long refresh = settings.jwksRefreshSeconds() * 1000L;
            return JWKSourceBuilder.<SecurityContext>create(URI.create(url).toURL())
                    .cache(Math.max(refresh, 5 * 60_000L), 15_000L)
                    .refreshAheadCache(false)
                    .rateLimited(refresh)
                    .retrying(true)
                    .build();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalStateException("plank.auth.jwks-url is not a URL: " + url, e);
        }
    }

    /** A PEM public key ({@code -----BEGIN PUBLIC KEY-----}, RSA or EC) as a JWK, read with the JDK alone. */
    static JWK jwk(String pem) {
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("plank.auth.public-key is not a PEM public key", e);
        }
        for (String algorithm : List.of("RSA", "EC")) {
            Optional<PublicKey> key = publicKey(algorithm, der);
            if (key.isPresent() && key.get() instanceof RSAPublicKey rsa) {
                return new RSAKey.Builder(rsa).build();
            }
            if (key.isPresent() && key.get() instanceof ECPublicKey ec) {
                return new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).build();
            }
        }
        throw new IllegalStateException("plank.auth.public-key is neither an RSA nor an EC public key");
    }

    private static Optional<PublicKey> publicKey(String algorithm, byte[] der) {
        try {
            return Optional.of(KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der)));
        } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
            return Optional.empty();
        }
    }
}
