package io.plank.domain.access;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every grant and row binding in force: the configured ones ({@code plank.grants}, {@code plank.row-bindings}) and the
 * stored ones (the admin API), together. Nothing is allowed that no grant allows. A table's own grants for a
 * privilege replace the {@code *} ones for it; a configured binding wins over a stored one for the same table.
 */
public record AccessPolicy(List<Grant> grants, Map<String, RowBinding> bindings) {

    public static final AccessPolicy NONE = new AccessPolicy(List.of(), Map.of());

    public AccessPolicy {
        grants = List.copyOf(grants);
        bindings = Map.copyOf(bindings);
    }

    public static AccessPolicy of(Collection<Grant> configuredGrants, Collection<Grant> storedGrants,
                                  Collection<RowBinding> configuredBindings, Collection<RowBinding> storedBindings) {
        List<Grant> grants = Stream.concat(configuredGrants.stream(), storedGrants.stream()).distinct().toList();
        Map<String, RowBinding> bindings = Stream.concat(storedBindings.stream(), configuredBindings.stream())
                .collect(Collectors.toMap(RowBinding::table, binding -> binding, (stored, configured) -> configured));
        return new AccessPolicy(grants, bindings);
    }

    /** Whether a caller with {@code roles} (pseudo-roles included) may {@code privilege} {@code table}. */
    public boolean allows(Set<String> roles, String table, Privilege privilege) {
        return roles(table, privilege).stream().anyMatch(roles::contains);
    }

    /** The roles that may {@code privilege} {@code table}: its own grants, or else those for every table. */
    public Set<String> roles(String table, Privilege privilege) {
        Set<String> own = rolesOf(table, privilege);
        return own.isEmpty() ? rolesOf(Grant.EVERY_TABLE, privilege) : own;
    }

    private Set<String> rolesOf(String table, Privilege privilege) {
        return grants.stream().filter(g -> g.table().equals(table) && g.privilege() == privilege)
                .map(Grant::role).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    public Optional<RowBinding> binding(String table) {
        return Optional.ofNullable(bindings.get(table));
    }
}
