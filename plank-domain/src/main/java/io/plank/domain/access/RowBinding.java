package io.plank.domain.access;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import io.plank.domain.change.TableName;
import io.plank.domain.filter.Condition;
import io.plank.domain.filter.Filter;
import io.plank.domain.filter.Operator;
import io.plank.domain.text.Excerpt;

/**
 * A table read only row by row: a caller sees the rows whose {@code column} holds its token's {@code claim} (a value,
 * or one of a list of values). Applied as one more filter condition that the client cannot remove, so live changes,
 * snapshots and resumed streams all keep to it, and a row that moves to another tenant leaves its old one.
 */
public record RowBinding(String table, String column, String claim) {

    /** Plain identifiers only: the column reaches SQL through the filter's typing, the claim is a token's key. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final Pattern CLAIM = Pattern.compile("[A-Za-z0-9_.:/-]{1,100}");

    public RowBinding {
        table = TableName.parse(Objects.requireNonNull(table, "table")).toString();
        if (column == null || !NAME.matcher(column).matches()) {
            throw new IllegalArgumentException("The bound column must be a plain column name; not '" + Excerpt.of(String.valueOf(column)) + "'");
        }
        if (claim == null || !CLAIM.matcher(claim).matches()) {
            throw new IllegalArgumentException("The claim must be a claim name of letters, digits and _ . : / -; not '"
                    + Excerpt.of(String.valueOf(claim)) + "'");
        }
    }

    /** {@code table:column:claim}, as {@code plank.row-bindings} lists them, e.g. {@code orders:tenant_id:tenant}. */
    public static RowBinding parse(String entry) {
        String[] parts = entry.strip().split(":", 3);
        if (parts.length != 3) {
            throw new IllegalArgumentException("A row binding reads table:column:claim, e.g. orders:tenant_id:tenant; not '"
                    + Excerpt.of(entry) + "'");
        }
        return new RowBinding(parts[0].strip(), parts[1].strip(), parts[2].strip());
    }

    /**
     * {@code requested} (null: every row) narrowed to the rows of {@code values}, the caller's claim; empty if the
     * caller has no value for it, and then reads nothing of the table. The binding's condition is added after the
     * client's, past the client's own limit on conditions: it is the server's, not the client's.
     */
    public Optional<Filter> narrow(Filter requested, Collection<String> values) {
        if (values.isEmpty()) {
            return Optional.empty();
        }
        List<Condition> conditions = new ArrayList<>(requested == null ? List.of() : requested.conditions());
        conditions.add(new Condition(column, Operator.IN, List.copyOf(values)));
        return Optional.of(new Filter(conditions));
    }
}
