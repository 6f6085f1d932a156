package io.plank.domain.filter;

import java.util.List;
import java.util.Objects;

/**
 * One condition of a filter: {@code column}, {@code operator} and the value(s) as the client wrote them (still
 * text: only the table knows their type). {@link Operator#IN} has one or more values, the others exactly one;
 * for {@link Operator#IS} it is one of {@link #IS_VALUES}.
 */
public record Condition(String column, Operator operator, List<String> values) {

    public static final List<String> IS_VALUES = List.of("null", "not_null", "true", "false");

    public Condition {
        Objects.requireNonNull(column, "column");
        Objects.requireNonNull(operator, "operator");
        values = List.copyOf(values);
        if (values.isEmpty() || (operator != Operator.IN && values.size() != 1)) {
            throw new IllegalArgumentException(operator + " with " + values.size() + " values");
        }
    }

    public String value() {
        return values.get(0);
    }
}
