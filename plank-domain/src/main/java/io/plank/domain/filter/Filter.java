package io.plank.domain.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import io.plank.domain.text.Excerpt;

/**
 * A subscription's row filter as the client wrote it: conditions {@code column=operator.value}, joined by
 * {@code &} and all required to hold, e.g. {@code status=eq.paid&total=gte.100&region=in.(eu,uk)}.
 *
 * <p>A value is taken literally, whatever characters it holds. One that contains {@code &} (or, in an
 * {@code in} list, {@code ,} or {@code )}) is written in double quotes, with {@code \"} and {@code \\} inside:
 * {@code name=eq."Smith & Sons"}. Values are only ever compared with row data or bound as query parameters,
 * never put into SQL.
 */
public record Filter(List<Condition> conditions) {

    public static final int MAX_LENGTH = 4_000;
    public static final int MAX_CONDITIONS = 16;
    public static final int MAX_IN_VALUES = 100;

    public Filter {
        conditions = List.copyOf(conditions);
    }

    public static Filter parse(String text) {
        if (text.isBlank()) {
            throw new InvalidFilterException("The filter is empty; write conditions like status=eq.paid");
        }
        if (text.length() > MAX_LENGTH) {
            throw new InvalidFilterException("The filter is longer than " + MAX_LENGTH + " characters");
        }
        List<Condition> conditions = new ArrayList<>();
        for (String part : split(text, '&', 0, text.length())) {
            if (conditions.size() == MAX_CONDITIONS) {
                throw new InvalidFilterException("A filter has at most " + MAX_CONDITIONS + " conditions");
            }
            conditions.add(condition(part));
        }
        return new Filter(conditions);
    }

    /**
     * The filter written out as a client would write it, quoting values where needed: {@code parse(text())} gives
     * this filter back.
     */
    public String text() {
        return conditions.stream().map(Filter::text).collect(Collectors.joining("&"));
    }

    private static String text(Condition condition) {
        String values = condition.operator() == Operator.IN
                ? condition.values().stream().map(Filter::quoted).collect(Collectors.joining(",", "(", ")"))
                : quoted(condition.value());
        return condition.column() + "=" + condition.operator().wireName() + "." + values;
    }

    /** A value as {@link #parse} reads it back: in double quotes when it holds a character that would end or split it. */
    private static String quoted(String value) {
        if (value.chars().noneMatch(c -> c == '&' || c == ',' || c == '(' || c == ')' || c == '"')) {
            return value;
        }
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static Condition condition(String text) {
        int equals = text.indexOf('=');
        if (equals <= 0) {
            throw new InvalidFilterException("Condition '" + Excerpt.of(text) + "' must read column=operator.value, e.g. status=eq.paid");
        }
        String column = text.substring(0, equals);
        String rest = text.substring(equals + 1);
        int dot = rest.indexOf('.');
        String name = dot < 0 ? rest : rest.substring(0, dot);
        Optional<Operator> operator = Operator.ofWireName(name);
        if (operator.isEmpty() || dot < 0) {
            throw new InvalidFilterException("Condition '" + Excerpt.of(text) + "' has no known operator; use one of "
                    + Operator.NAMES + ", followed by a dot and the value");
        }
        String value = rest.substring(dot + 1);
        return switch (operator.get()) {
            case IN -> new Condition(column, Operator.IN, list(text, value));
            case IS -> {
                if (!Condition.IS_VALUES.contains(value)) {
                    throw new InvalidFilterException("Condition '" + Excerpt.of(text) + "': is takes " + String.join(", ", Condition.IS_VALUES));
                }
                yield new Condition(column, Operator.IS, List.of(value));
            }
            default -> new Condition(column, operator.get(), List.of(unquote(value, text)));
        };
    }

    private static List<String> list(String condition, String value) {
        if (value.length() < 2 || value.charAt(0) != '(' || value.charAt(value.length() - 1) != ')') {
            throw new InvalidFilterException("Condition '" + Excerpt.of(condition) + "': in takes a list in parentheses, e.g. in.(a,b,c)");
        }
        List<String> values = new ArrayList<>();
        for (String item : split(value, ',', 1, value.length() - 1)) {
            if (values.size() == MAX_IN_VALUES) {
                throw new InvalidFilterException("Condition '" + Excerpt.of(condition) + "': an in list has at most " + MAX_IN_VALUES + " values");
            }
            values.add(unquote(item, condition));
        }
        return values;
    }

    /** Splits {@code text[from, to)} at each {@code separator} outside double quotes. */
    private static List<String> split(String text, char separator, int from, int to) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int start = from;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == separator && !quoted) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        if (quoted) {
            throw new InvalidFilterException("A double quote in the filter is not closed");
        }
        parts.add(text.substring(start, to));
        return parts;
    }

    private static String unquote(String value, String condition) {
        if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
            return value;
        }
        var unquoted = new StringBuilder(value.length());
        for (int i = 1; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                if (++i == value.length() - 1) {
                    throw new InvalidFilterException("Condition '" + Excerpt.of(condition) + "' ends a quoted value with a lone backslash");
                }
                c = value.charAt(i);
            } else if (c == '"') {
                throw new InvalidFilterException("Condition '" + Excerpt.of(condition) + "' has a stray double quote; write \\\" inside quotes");
            }
            unquoted.append(c);
        }
        return unquoted.toString();
    }
}
