package io.plank.web.security;

import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.plank.domain.access.AccessPolicy;
import io.plank.domain.access.Grant;
import io.plank.domain.access.Privilege;
import io.plank.domain.access.RowBinding;
import io.plank.domain.filter.Filter;
import io.plank.persistence.access.StoredAccess;

/**
 * What a caller may do: read or write a table (the grants), which of its rows it reads (the row binding), and whether
 * it is an administrator. The grants and bindings in force are the configured ones ({@code plank.grants},
 * {@code plank.row-bindings}) with the stored ones (admin API) added. A refusal says whether a token would help
 * ({@link Verdict#UNAUTHENTICATED}) or not ({@link Verdict#FORBIDDEN}).
 */
@ApplicationScoped
public class Access {

    private static final Logger LOG = Logger.getLogger(Access.class.getName());

    public enum Verdict { ALLOWED, UNAUTHENTICATED, FORBIDDEN }

    /**
     * A read allowed, with the filter the caller reads through: the client's own ({@code null}: every row) narrowed by
     * the table's binding, if it has one ({@code bound}).
     */
    public record Read(Verdict verdict, Filter filter, boolean bound) {
        public boolean allowed() {
            return verdict == Verdict.ALLOWED;
        }
    }

    @Inject
    AuthSettings settings;

    @Inject
    StoredAccess stored;

    private List<Grant> configuredGrants;
    private List<RowBinding> configuredBindings;
    private List<String> anonymousRoles;
    /** The policy made of the last stored rules read: made again only when they are read again (every 2 s at most). */
    private volatile Made made;

    private record Made(StoredAccess.Snapshot stored, AccessPolicy policy) {
    }

    @PostConstruct
    void init() {
        configuredGrants = AuthSettings.list("plank.grants").stream().flatMap(entry -> parse(entry, Grant::parse, "plank.grants")).toList();
        configuredBindings = AuthSettings.list("plank.row-bindings").stream()
                .flatMap(entry -> parse(entry, RowBinding::parse, "plank.row-bindings")).toList();
        anonymousRoles = settings.anonymousRoles();
    }

    /** A configured entry that does not parse is logged and left out: it grants nothing, and Plank still starts. */
    private static <T> java.util.stream.Stream<T> parse(String entry, java.util.function.Function<String, T> parser, String setting) {
        try {
            return java.util.stream.Stream.of(parser.apply(entry));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "Ignoring '" + entry + "' in " + setting + ": " + e.getMessage());
            return java.util.stream.Stream.empty();
        }
    }

    public Caller anonymous() {
        return Caller.anonymous(anonymousRoles);
    }

    /** Reads the stored rules now: they changed (the listener says so). */
    public void refresh() {
        stored.refresh();
    }

    /** The stored rules in force, as last read (read again when due); equal while they have not changed. */
    public StoredAccess.Snapshot stored() {
        return stored.current();
    }

    public AccessPolicy policy() {
        StoredAccess.Snapshot current = stored.current();
        Made known = made;
        if (known != null && known.stored() == current) {
            return known.policy();
        }
        AccessPolicy policy = AccessPolicy.of(configuredGrants, current.grants(), configuredBindings, current.bindings());
        made = new Made(current, policy);
        return policy;
    }

    /** Whether {@code caller} may read {@code table}, and through which filter ({@code requested}: the client's own). */
    public Read read(Caller caller, String table, Filter requested) {
        AccessPolicy policy = policy();
        if (!policy.allows(caller.roles(), table, Privilege.READ)) {
            return new Read(refusal(caller), null, false);
        }
        Optional<RowBinding> binding = policy.binding(table);
        if (binding.isEmpty()) {
            return new Read(Verdict.ALLOWED, requested, false);
        }
        return binding.get().narrow(requested, caller.claimValues(binding.get().claim()))
                .map(filter -> new Read(Verdict.ALLOWED, filter, true))
                .orElseGet(() -> new Read(refusal(caller), null, true));
    }

    /** Whether {@code caller} may write {@code table}. A bound table is never written through Plank's REST API. */
    public Verdict write(Caller caller, String table) {
        AccessPolicy policy = policy();
        if (!policy.allows(caller.roles(), table, Privilege.WRITE) || policy.binding(table).isPresent()) {
            return refusal(caller);
        }
        return Verdict.ALLOWED;
    }

    public Verdict admin(Caller caller) {
        return caller.roles().contains(settings.adminRole()) ? Verdict.ALLOWED : refusal(caller);
    }

    public String adminRole() {
        return settings.adminRole();
    }

    private static Verdict refusal(Caller caller) {
        return caller.isAnonymous() ? Verdict.UNAUTHENTICATED : Verdict.FORBIDDEN;
    }
}
