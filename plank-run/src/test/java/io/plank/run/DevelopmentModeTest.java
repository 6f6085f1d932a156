package io.plank.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;

@Timeout(60)
class DevelopmentModeTest {

    @TempDir
    Path dir;

    @Test
    void thePrintedTokenVerifiesAgainstTheGeneratedPublicKey() throws Exception {
        var mode = new DevelopmentMode(DevelopmentKeys.loadOrCreate(dir), Map.of());
        Instant now = Instant.now();
        String banner = mode.banner("http://localhost:8080/plank/api", now);
        assertTrue(banner.startsWith("DEVELOPMENT MODE - not for production"), banner);

        SignedJWT jwt = SignedJWT.parse(tokenLine(banner));
        RSAPublicKey publicKey = readPublicKey(dir.resolve(DevelopmentKeys.PUBLIC_FILE));
        assertEquals(JWSAlgorithm.RS256, jwt.getHeader().getAlgorithm());
        assertTrue(jwt.verify(new RSASSAVerifier(publicKey)), "signed by the generated key");
        var claims = jwt.getJWTClaimsSet();
        assertEquals("plank-dev", claims.getIssuer());
        assertEquals(List.of("plank"), claims.getAudience());
        assertEquals("developer", claims.getSubject());
        assertEquals(List.of("plank-admin", "plank-reader", "plank-writer"), claims.getStringListClaim("groups"));
        Duration lifetime = Duration.between(now, claims.getExpirationTime().toInstant());
        assertTrue(lifetime.compareTo(Duration.ofHours(12).minusSeconds(1)) >= 0
                && lifetime.compareTo(Duration.ofHours(12)) <= 0, "12 h, was " + lifetime);
        assertTrue(banner.contains("curl -H \"Authorization: Bearer <token>\" http://localhost:8080/plank/api/tables"), banner);
    }

    @Test
    void theKeysAreMadeOnceAndAnotherPairsTokensDoNotVerify(@TempDir Path other) throws Exception {
        var first = DevelopmentKeys.loadOrCreate(dir);
        var again = DevelopmentKeys.loadOrCreate(dir);
        assertEquals(first.publicKey(), again.publicKey());
        assertEquals(first.privateKey(), again.privateKey());

        String token = new DevelopmentMode(DevelopmentKeys.loadOrCreate(other), Map.of()).token(Instant.now());
        assertFalse(SignedJWT.parse(token).verify(new RSASSAVerifier(readPublicKey(dir.resolve(DevelopmentKeys.PUBLIC_FILE)))));
    }

    @Test
    void theServerGetsThePublicKeyAndTheDevelopmentSettings() throws Exception {
        var environment = new DevelopmentMode(DevelopmentKeys.loadOrCreate(dir), Map.of()).environment();
        assertEquals(Files.readString(dir.resolve(DevelopmentKeys.PUBLIC_FILE)), environment.get("PLANK_AUTH_PUBLIC_KEY"));
        assertTrue(environment.get("PLANK_AUTH_PUBLIC_KEY").startsWith("-----BEGIN PUBLIC KEY-----\n"));
        assertEquals(Map.of(
                "PLANK_AUTH_PUBLIC_KEY", environment.get("PLANK_AUTH_PUBLIC_KEY"),
                "PLANK_AUTH_ISSUER", "plank-dev",
                "PLANK_AUTH_AUDIENCE", "plank",
                "PLANK_GRANTS", "items:read:anyone,items:write:anyone,*:read:plank-reader,*:write:plank-writer",
                "PLANK_ADMIN_ENABLED", "true"), environment);
    }

    @Test
    void whatTheUserSetIsKept() throws Exception {
        var mode = new DevelopmentMode(DevelopmentKeys.loadOrCreate(dir),
                Map.of("PLANK_GRANTS", "items:read:sales", "PLANK_AUTH_AUDIENCE", "shop"));
        var environment = mode.environment();
        assertFalse(environment.containsKey("PLANK_GRANTS"));
        assertFalse(environment.containsKey("PLANK_AUTH_AUDIENCE"));
        assertEquals("plank-dev", environment.get("PLANK_AUTH_ISSUER"));
        assertEquals(List.of("shop"), SignedJWT.parse(mode.token(Instant.now())).getJWTClaimsSet().getAudience(),
                "the token is for the audience the server checks");

        var ownKey = new DevelopmentMode(DevelopmentKeys.loadOrCreate(dir), Map.of("PLANK_AUTH_JWKS_URL", "https://idp/jwks"));
        assertFalse(ownKey.banner("http://localhost:8080/plank/api", Instant.now()).contains("eyJ"), "no token for a key it does not hold");
    }

    /** The line after "Development token": the token alone, as a user would copy it. */
    private static String tokenLine(String banner) {
        List<String> lines = banner.lines().toList();
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).contains("Development token")) {
                return lines.get(i + 1);
            }
        }
        throw new AssertionError("no token in\n" + banner);
    }

    /** Read independently of DevelopmentKeys: the PEM as any tool would. */
    private static RSAPublicKey readPublicKey(Path pem) throws Exception {
        String body = Files.readString(pem).replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "");
        return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder().decode(body)));
    }
}
