package io.plank.persistence.capture;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * What became of a captured table that a subscription was made on, judged from the catalog as it is now: dropped,
 * released, renamed, dropped and made again, or given other columns. Tables are told apart by their relation
 * ({@link CapturedTable#relid()}), so a rename is not a drop, and a new table of the same name is not the old one.
 */
public record TableChange(Why why, String renamedTo, Set<String> changedColumns, CapturedTable now) {

    public enum Why {
        /** No table has the relation any more. */
        DROPPED,
        /** Still there, no longer captured. */
        RELEASED,
        /** Captured under another name now ({@link #renamedTo()}). */
        RENAMED,
        /** Dropped, and another table of the same name captured since. */
        REPLACED,
        /** The same table with other columns; {@link #changedColumns()} names those dropped, renamed away or retyped. */
        RESHAPED
    }

    /**
     * What became of {@code seen}, or empty if it is as it was. {@code exists} answers whether a relation is still a
     * table (asked only when the table is no longer captured under any name).
     */
    public static Optional<TableChange> of(CapturedTable seen, Map<String, CapturedTable> now, LongPredicate exists) {
        CapturedTable current = now.get(seen.name());
        if (current != null && current.relid() == seen.relid()) {
            if (current.columns().equals(seen.columns())) {
                return Optional.empty();
            }
            Set<String> changed = new LinkedHashSet<>();
            seen.columns().forEach((column, type) -> {
                if (!Objects.equals(type, current.columns().get(column))) {
                    changed.add(column);
                }
            });
            return Optional.of(new TableChange(Why.RESHAPED, null, Set.copyOf(changed), current));
        }
        if (current != null) {
            return Optional.of(new TableChange(Why.REPLACED, null, Set.of(), current));
        }
        for (CapturedTable other : now.values()) {
            if (other.relid() == seen.relid()) {
                return Optional.of(new TableChange(Why.RENAMED, other.name(), Set.of(), other));
            }
        }
        return Optional.of(new TableChange(exists.test(seen.relid()) ? Why.RELEASED : Why.DROPPED, null, Set.of(), null));
    }
}
