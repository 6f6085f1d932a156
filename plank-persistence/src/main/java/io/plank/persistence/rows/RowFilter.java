package io.plank.persistence.rows;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import io.plank.domain.filter.Operator;

/**
 * A subscription's filter, typed against its table: every condition must hold. It decides for a row (as the
 * JSON {@code to_jsonb} gives, the same as change frames carry) in memory, and gives the same test as SQL for
 * snapshot queries. Compared values were cast by PostgreSQL to the column's type when the filter was made.
 * As in SQL, a null column satisfies only {@code is.null} (and {@code is.not_null} only a non-null one).
 */
public final class RowFilter {

    /** Passes every row. */
    public static final RowFilter ALL = new RowFilter(List.of(), "");

    record Test(String column, ColumnKind kind, String type, Operator operator, String isValue,
                List<Comparable<?>> values, List<String> texts) {
    }

    private final List<Test> tests;
    private final String text;

    RowFilter(List<Test> tests, String text) {
        this.tests = List.copyOf(tests);
        this.text = text;
    }

    /** The filter as a client writes it ({@code status=eq.paid&total=gte.100}); empty for {@link #ALL}. */
    public String text() {
        return text;
    }

    public boolean all() {
        return tests.isEmpty();
    }

    /** The columns the filter reads. */
    public java.util.Set<String> columns() {
        return tests.stream().map(Test::column).collect(Collectors.toUnmodifiableSet());
    }

    public boolean matches(JsonObject row) {
        for (Test test : tests) {
            if (!matches(test, row.get(test.column()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(Test test, JsonValue json) {
        boolean isNull = json == null || json.getValueType() == JsonValue.ValueType.NULL;
        if (test.operator() == Operator.IS) {
            return switch (test.isValue()) {
                case "null" -> isNull;
                case "not_null" -> !isNull;
                case "true" -> json == JsonValue.TRUE;
                default -> json == JsonValue.FALSE;
            };
        }
        Comparable<?> value = isNull ? null : test.kind().value(json);
        if (value == null) {
            return false;
        }
        int order = ColumnKind.compare(value, test.values().get(0));
        return switch (test.operator()) {
            case EQ -> order == 0;
            case NEQ -> order != 0;
            case LT -> order < 0;
            case LTE -> order <= 0;
            case GT -> order > 0;
            case GTE -> order >= 0;
            case IN -> test.values().stream().anyMatch(candidate -> ColumnKind.compare(value, candidate) == 0);
            case IS -> throw new IllegalStateException();
        };
    }

    /** The filter as a SQL condition on table alias {@code t}, with a {@code ?} for each of {@link #parameters()}. */
    String sql() {
        if (tests.isEmpty()) {
            return "true";
        }
        return tests.stream().map(RowFilter::sql).collect(Collectors.joining(" AND "));
    }

    /** The values to bind, in order, as text (each is cast to its column's type in {@link #sql()}). */
    List<String> parameters() {
        List<String> parameters = new ArrayList<>();
        tests.forEach(test -> parameters.addAll(test.texts()));
        return parameters;
    }

    private static String sql(Test test) {
        String column = "t." + TableShape.quoted(test.column());
        if (test.operator() == Operator.IS) {
            return column + switch (test.isValue()) {
                case "null" -> " IS NULL";
                case "not_null" -> " IS NOT NULL";
                case "true" -> " IS TRUE";
                default -> " IS FALSE";
            };
        }
        // "C" makes text compare by code point, as matches() does, whatever the column's collation.
        String left = test.kind() == ColumnKind.TEXT ? column + " COLLATE \"C\"" : column;
        String value = "CAST(? AS " + test.type() + ")";
        return switch (test.operator()) {
            case EQ -> left + " = " + value;
            case NEQ -> left + " <> " + value;
            case LT -> left + " < " + value;
            case LTE -> left + " <= " + value;
            case GT -> left + " > " + value;
            case GTE -> left + " >= " + value;
            case IN -> left + " IN (" + test.texts().stream().map(text -> value).collect(Collectors.joining(", ")) + ")";
            case IS -> throw new IllegalStateException();
        };
    }
}
