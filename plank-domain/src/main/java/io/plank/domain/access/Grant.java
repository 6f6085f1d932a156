package io.plank.domain.access;

import java.util.Objects;
import java.util.regex.Pattern;

import io.plank.domain.change.TableName;
import io.plank.domain.text.Excerpt;

/**
 * One role allowed one privilege on one table ({@link #EVERY_TABLE} for every table without grants of its own for that
 * privilege). Two roles mean more than a name: {@link #ANYONE}, every caller with or without a token, and
 * {@link #AUTHENTICATED}, every caller with a valid token.
 */
public record Grant(String table, Privilege privilege, String role) {

    public static final String EVERY_TABLE = "*";
    public static final String ANYONE = "anyone";
    public static final String AUTHENTICATED = "authenticated";

    /** A role as tokens carry it: no separators, no spaces, nothing that could be mistaken in a list or a log. */
    private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9_.@/-]{1,100}");

    public Grant {
        Objects.requireNonNull(privilege, "privilege");
        table = table(table);
        role = role(role);
    }

    /** {@code table:read|write:role}, as {@code plank.grants} lists them, e.g. {@code items:read:anyone}. */
    public static Grant parse(String entry) {
        String[] parts = entry.strip().split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("A grant reads table:read|write:role, e.g. items:read:anyone; not '"
                    + Excerpt.of(entry) + "'");
        }
        return new Grant(parts[0].strip(), Privilege.ofWireName(parts[1].strip()), parts[2].strip());
    }

    /** The table as Plank names it, or {@code *}. @throws IllegalArgumentException for anything else */
    static String table(String table) {
        Objects.requireNonNull(table, "table");
        return table.equals(EVERY_TABLE) ? table : TableName.parse(table).toString();
    }

    /** @throws IllegalArgumentException unless {@code role} is a plain role name */
    public static String role(String role) {
        if (role == null || !ROLE.matcher(role).matches()) {
            throw new IllegalArgumentException("A role is 1 to 100 letters, digits and _ . @ / -; not '" + Excerpt.of(String.valueOf(role)) + "'");
        }
        return role;
    }
}
