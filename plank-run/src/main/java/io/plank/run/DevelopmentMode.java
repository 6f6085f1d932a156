package io.plank.run;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * The quick start's development mode: a production Plank is closed (no key, no grants), so ./run.sh configures a
 * key of its own, opens {@code items} to anyone (the test page works without a token), switches the admin API on and
 * prints a token with every role for the admin page and curl. Each setting only where the user has not set it.
 */
final class DevelopmentMode {

    static final String ISSUER = "plank-dev";
    static final String AUDIENCE = "plank";
    static final String SUBJECT = "developer";
    static final List<String> GROUPS = List.of("plank-admin", "plank-reader", "plank-writer");
    static final Duration LIFETIME = Duration.ofHours(12);
    static final String GRANTS = "items:read:anyone,items:write:anyone,*:read:plank-reader,*:write:plank-writer";

    private final DevelopmentKeys keys;
    private final Map<String, String> userEnvironment;

    DevelopmentMode(DevelopmentKeys keys, Map<String, String> userEnvironment) {
        this.keys = keys;
        this.userEnvironment = Map.copyOf(userEnvironment);
    }

    /** The settings to add to the server's environment: the development defaults the user has not set. */
    Map<String, String> environment() {
        var defaults = new LinkedHashMap<String, String>();
        defaults.put("PLANK_AUTH_PUBLIC_KEY", keys.publicKeyPem());
        defaults.put("PLANK_AUTH_ISSUER", ISSUER);
        defaults.put("PLANK_AUTH_AUDIENCE", AUDIENCE);
        defaults.put("PLANK_GRANTS", GRANTS);
        defaults.put("PLANK_ADMIN_ENABLED", "true");
        defaults.keySet().removeIf(this::userSet);
        return defaults;
    }

    /** A token for the development key, with the issuer and audience the server checks, valid for {@link #LIFETIME}. */
    String token(Instant now) {
        var claims = new JWTClaimsSet.Builder()
                .issuer(effective("PLANK_AUTH_ISSUER", ISSUER))
                .audience(effective("PLANK_AUTH_AUDIENCE", AUDIENCE))
                .subject(SUBJECT)
                .claim("groups", GROUPS)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(LIFETIME)))
                .build();
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(new RSASSASigner(keys.privateKey()));
        } catch (JOSEException e) {
            throw new IllegalStateException("Could not sign the development token", e);
        }
        return jwt.serialize();
    }

    /** What ./run.sh prints about the mode: the warning, the token on a line of its own, and how to use it. */
    String banner(String apiUrl, Instant now) {
        if (userSet("PLANK_AUTH_PUBLIC_KEY") || userSet("PLANK_AUTH_JWKS_URL")) {
            return String.join("\n",
                    "DEVELOPMENT MODE - not for production (" + describeOpenings() + ")",
                    "  Your own PLANK_AUTH_PUBLIC_KEY or PLANK_AUTH_JWKS_URL is set: no development token (use your issuer's).");
        }
        return String.join("\n",
                "DEVELOPMENT MODE - not for production (" + describeOpenings() + ")",
                "  Development token (sub " + SUBJECT + ", roles " + String.join(", ", GROUPS) + ", valid "
                        + LIFETIME.toHours() + " h):",
                token(now),
                "  Paste it into the admin page's \"Bearer token\" field, or: curl -H \"Authorization: Bearer <token>\" "
                        + apiUrl + "/tables");
    }

    private String describeOpenings() {
        return userSet("PLANK_GRANTS") ? "grants from your PLANK_GRANTS" : "items open to anyone, every table to the token's roles";
    }

    private String effective(String name, String fallback) {
        return userSet(name) ? userEnvironment.get(name) : fallback;
    }

    private boolean userSet(String name) {
        String value = userEnvironment.get(name);
        return value != null && !value.isBlank();
    }
}
