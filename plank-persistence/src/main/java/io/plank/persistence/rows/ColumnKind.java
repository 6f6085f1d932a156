package io.plank.persistence.rows;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.Locale;

import jakarta.json.JsonNumber;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import io.plank.domain.filter.Operator;

/**
 * How filters compare a column's values, by the column's PostgreSQL type (a domain counts as its base type).
 * Values are read from the JSON that {@code to_jsonb} gives rows and filter values alike, so both sides go
 * through the same conversion; text compares by Unicode code point, as PostgreSQL's {@code "C"} collation does,
 * which is what snapshot queries use.
 */
enum ColumnKind {
    NUMBER, TEXT, UUID, BOOLEAN, DATE, TIMESTAMP, TIMESTAMPTZ, ENUM,
    /** Any other type (json, arrays, bytea, ...): only {@code is.null} and {@code is.not_null} apply. */
    OTHER;

    private static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    /** The kind of a column whose type, or whose domain's base type, has this oid and {@code typtype}. */
    static ColumnKind of(int baseTypeOid, String typtype) {
        if ("e".equals(typtype)) {
            return ENUM;
        }
        return switch (baseTypeOid) {
            case 20, 21, 23, 700, 701, 1700 -> NUMBER; // int8, int2, int4, float4, float8, numeric
            case 25, 1043 -> TEXT;                     // text, varchar
            case 2950 -> UUID;
            case 16 -> BOOLEAN;
            case 1082 -> DATE;
            case 1114 -> TIMESTAMP;
            case 1184 -> TIMESTAMPTZ;
            default -> OTHER;
        };
    }

    boolean allows(Operator operator, String isValue) {
        if (operator == Operator.IS) {
            return isValue.equals("null") || isValue.equals("not_null") || this == BOOLEAN;
        }
        return switch (this) {
            case OTHER -> false;
            case BOOLEAN, ENUM -> !operator.ordering();
            default -> true;
        };
    }

    /** What a condition with an operator this kind does not allow may use instead, for the error message. */
    String allowedOperators() {
        return switch (this) {
            case OTHER -> "is.null and is.not_null";
            case BOOLEAN -> "eq, neq, in and is (null, not_null, true, false)";
            case ENUM -> "eq, neq, in, is.null and is.not_null";
            default -> "eq, neq, lt, lte, gt, gte, in, is.null and is.not_null";
        };
    }

    /** A JSON value of this kind as something comparable, or null if it is null or not of this kind. */
    Comparable<?> value(JsonValue json) {
        if (json == null) {
            return null;
        }
        try {
            return switch (this) {
                case NUMBER -> json instanceof JsonNumber number ? number.bigDecimalValue() : null;
                case TEXT, ENUM -> json instanceof JsonString string ? new Text(string.getString()) : null;
                case UUID -> json instanceof JsonString string ? string.getString().toLowerCase(Locale.ROOT) : null;
                case BOOLEAN -> json == JsonValue.TRUE ? Boolean.TRUE : json == JsonValue.FALSE ? Boolean.FALSE : null;
                case DATE -> json instanceof JsonString string ? date(string.getString()) : null;
                case TIMESTAMP -> json instanceof JsonString string ? timestamp(string.getString()) : null;
                case TIMESTAMPTZ -> json instanceof JsonString string ? instant(string.getString()) : null;
                case OTHER -> null;
            };
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Compares two values of the same kind; equal means compareTo is 0 (so 1.50 equals 1.5). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static int compare(Comparable<?> a, Comparable<?> b) {
        return ((Comparable) a).compareTo(b);
    }

    private static LocalDate date(String text) {
        return switch (text) {
            case "infinity" -> LocalDate.MAX;
            case "-infinity" -> LocalDate.MIN;
            default -> LocalDate.parse(text);
        };
    }

    private static LocalDateTime timestamp(String text) {
        return switch (text) {
            case "infinity" -> LocalDateTime.MAX;
            case "-infinity" -> LocalDateTime.MIN;
            default -> LocalDateTime.parse(text);
        };
    }

    private static Instant instant(String text) {
        return switch (text) {
            case "infinity" -> Instant.MAX;
            case "-infinity" -> Instant.MIN;
            default -> OffsetDateTime.parse(text).toInstant();
        };
    }

    /** Text ordered by code point, like PostgreSQL's "C" collation (Java's own order is by UTF-16 unit). */
    record Text(String value) implements Comparable<Text> {
        @Override
        public int compareTo(Text other) {
            return CODE_POINT_ORDER.compare(value, other.value);
        }
    }
}
