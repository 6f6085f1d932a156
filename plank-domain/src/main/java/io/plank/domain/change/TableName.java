package io.plank.domain.change;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A table as Plank names it: {@code name} for the public schema, {@code schema.name} otherwise. Each part is a
 * plain PostgreSQL identifier (letters, digits, underscores, at most 63 characters, not starting with a digit),
 * matched exactly: anything else is refused before it gets near SQL.
 */
public record TableName(String schema, String table) {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    public TableName {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
    }

    /** @throws IllegalArgumentException with a message fit for the client if {@code name} is not a table name */
    public static TableName parse(String name) {
        if (name == null || name.isEmpty() || name.length() > 127) {
            throw new IllegalArgumentException("A table name must be 1 to 127 characters: table or schema.table");
        }
        String[] parts = name.split("\\.", -1);
        if (parts.length > 2 || !IDENTIFIER.matcher(parts[0]).matches()
                || (parts.length == 2 && !IDENTIFIER.matcher(parts[1]).matches())) {
            throw new IllegalArgumentException("Not a table name: use table or schema.table, each a plain identifier "
                    + "(letters, digits and underscores, not starting with a digit)");
        }
        return parts.length == 2 ? new TableName(parts[0], parts[1]) : new TableName("public", parts[0]);
    }

    /**
     * The name change frames use for {@code name}: {@code public.items} and {@code items} are one table. A name that
     * does not {@link #parse} (a table captured by SQL may have any name) is taken as it is.
     */
    public static String canonical(String name) {
        try {
            return parse(name).toString();
        } catch (IllegalArgumentException e) {
            return name;
        }
    }

    /** The name change frames and subscriptions use. */
    @Override
    public String toString() {
        return schema.equals("public") ? table : schema + "." + table;
    }
}
