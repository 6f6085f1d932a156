package io.plank.domain.filter;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** How a filter condition compares a column with its value(s); named as in PostgREST. */
public enum Operator {
    EQ, NEQ, LT, LTE, GT, GTE, IN, IS;

    static final String NAMES = Arrays.stream(values()).map(Operator::wireName).collect(Collectors.joining(", "));

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether the operator needs the column's values to be ordered (numbers, text, dates), not only equal. */
    public boolean ordering() {
        return this == LT || this == LTE || this == GT || this == GTE;
    }

    static Optional<Operator> ofWireName(String name) {
        return Arrays.stream(values()).filter(operator -> operator.wireName().equals(name)).findFirst();
    }
}
