package io.plank.client;

import java.util.Objects;

/**
 * What to subscribe to: {@code Subscribe.to("orders").filter("status=eq.paid").withSnapshot()}.
 *
 * @param table    the captured table ({@code schema.table} outside {@code public})
 * @param filter   only rows passing it (docs/PROTOCOL.md, Filters); null for all
 * @param snapshot start with the matching rows, then their changes
 * @param since    resume after this seq (a position kept from earlier); null to start live (or with the snapshot)
 */
public record Subscribe(String table, String filter, boolean snapshot, Long since) {

    public Subscribe {
        Objects.requireNonNull(table, "table");
        if (table.isEmpty()) {
            throw new IllegalArgumentException("subscribe needs a table");
        }
        if (snapshot && since != null) {
            throw new IllegalArgumentException("snapshot and since cannot be combined");
        }
        if (filter != null && filter.isEmpty()) {
            filter = null;
        }
    }

    /** Every change of {@code table} from now on. */
    public static Subscribe to(String table) {
        return new Subscribe(table, null, false, null);
    }

    /** Only the rows passing {@code filter}, e.g. {@code status=eq.paid&total=gte.100}. */
    public Subscribe filter(String filter) {
        return new Subscribe(table, filter, snapshot, since);
    }

    /** The matching rows first, then their changes. */
    public Subscribe withSnapshot() {
        return new Subscribe(table, filter, true, since);
    }

    /** Every change after {@code seq}, then live. */
    public Subscribe since(long seq) {
        return new Subscribe(table, filter, snapshot, seq);
    }
}
