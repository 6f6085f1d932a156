package io.plank.client;

/**
 * Where the client gets a token: asked before every connection and before every refresh. Return null to connect
 * anonymously. It runs on the client's thread: a slow source delays the connection, not the caller.
 */
@FunctionalInterface
public interface TokenSource {

    /** A fresh token, or null for none. Throwing counts as a failed attempt: the client backs off and asks again. */
    Token token() throws Exception;

    /** A source of JWT strings, their expiry read from {@code exp}. */
    static TokenSource ofJwt(java.util.concurrent.Callable<String> jwts) {
        return () -> {
            String jwt = jwts.call();
            return jwt == null || jwt.isEmpty() ? null : Token.of(jwt);
        };
    }
}
