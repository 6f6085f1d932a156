package io.plank.web.security;

import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.plank.domain.access.Grant;

/**
 * Who is calling: the token's subject, its roles with the pseudo-roles every caller has ({@link Grant#ANYONE}, and
 * {@link Grant#AUTHENTICATED} with a token), the token's claims (for row bindings) and when it expires. A caller without
 * a token is {@link #anonymous} and has the roles an operator gives anonymous callers. {@code expiresAt} is the token's
 * {@code exp}; {@code validUntil} is when it stops being accepted: {@code exp} plus the clock skew, the rule the
 * verifier applies, so a connection is kept exactly as long as its token would be accepted again.
 */
public record Caller(String subject, Set<String> roles, Map<String, Object> claims, Instant expiresAt, Instant validUntil)
        implements Principal {

    public Caller {
        roles = Set.copyOf(roles);
        claims = Map.copyOf(claims);
    }

    public static Caller anonymous(Collection<String> roles) {
        Set<String> all = new HashSet<>(roles);
        all.add(Grant.ANYONE);
        return new Caller(null, all, Map.of(), null, null);
    }

    static Caller authenticated(String subject, Collection<String> roles, Map<String, Object> claims, Instant expiresAt,
                                Duration skew) {
        Set<String> all = new HashSet<>(roles);
        all.add(Grant.ANYONE);
        all.add(Grant.AUTHENTICATED);
        Objects.requireNonNull(expiresAt, "expiresAt");
        return new Caller(Objects.requireNonNull(subject, "subject"), all, claims, expiresAt, expiresAt.plus(skew));
    }

    public boolean isAnonymous() {
        return subject == null;
    }

    public boolean expired(Instant now) {
        return validUntil != null && !now.isBefore(validUntil);
    }

    /**
     * The claim's values as text, for a row binding: a string or a number is one value, an array of them several;
     * anything else (absent, an object, a boolean) none.
     */
    public List<String> claimValues(String claim) {
        Object value = claims.get(claim);
        if (value instanceof Collection<?> list) {
            return list.stream().filter(Caller::scalar).map(String::valueOf).distinct().toList();
        }
        return scalar(value) ? List.of(String.valueOf(value)) : List.of();
    }

    private static boolean scalar(Object value) {
        return value instanceof String || value instanceof Number;
    }

    @Override
    public String getName() {
        return subject == null ? "anonymous" : subject;
    }
}
