package io.plank.domain.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FilterTest {

    @Test
    void readsEveryOperator() {
        var filter = Filter.parse("a=eq.1&b=neq.x&c=lt.2&d=lte.3&e=gt.4&f=gte.5&g=in.(x,y,z)&h=is.null");
        assertEquals(List.of(
                new Condition("a", Operator.EQ, List.of("1")),
                new Condition("b", Operator.NEQ, List.of("x")),
                new Condition("c", Operator.LT, List.of("2")),
                new Condition("d", Operator.LTE, List.of("3")),
                new Condition("e", Operator.GT, List.of("4")),
                new Condition("f", Operator.GTE, List.of("5")),
                new Condition("g", Operator.IN, List.of("x", "y", "z")),
                new Condition("h", Operator.IS, List.of("null"))), filter.conditions());
    }

    @Test
    void takesValuesLiterallyUpToTheNextAmpersand() {
        var filter = Filter.parse("name=eq.O'Brien; DROP TABLE items;--&note=eq.a=b.c");
        assertEquals("O'Brien; DROP TABLE items;--", filter.conditions().get(0).value());
        assertEquals("a=b.c", filter.conditions().get(1).value());
    }

    @Test
    void doubleQuotesProtectSeparatorsAndUnescape() {
        var filter = Filter.parse("name=eq.\"Smith & Sons\"&tag=in.(\"a,b\",\"c)\",\"say \\\"hi\\\"\",plain)");
        assertEquals("Smith & Sons", filter.conditions().get(0).value());
        assertEquals(List.of("a,b", "c)", "say \"hi\"", "plain"), filter.conditions().get(1).values());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a=eq.1&h=is.null&g=in.(x,y,z)", "name=eq.\"Smith & Sons\"&tag=in.(\"a,b\",\"c)\",plain)",
            "say=eq.\"\\\"hi\\\" \\\\ (or not)\"", "note=eq.&path=eq.C:\\tmp", "name=eq.<img src=x onerror=alert(1)>"})
    void writesItselfOutAsItIsRead(String text) {
        Filter filter = Filter.parse(text);
        assertEquals(filter, Filter.parse(filter.text()), filter.text());
    }

    @Test
    void writesPlainValuesBareAndQuotesOnlyWhatNeedsIt() {
        assertEquals("a=eq.1&g=in.(x,\"y,z\")", Filter.parse("a=eq.1&g=in.(x,\"y,z\")").text());
    }

    @Test
    void keepsUnicodeAndEmptyValues() {
        var filter = Filter.parse("name=eq.Zoë 🚀&note=eq.");
        assertEquals("Zoë 🚀", filter.conditions().get(0).value());
        assertEquals("", filter.conditions().get(1).value());
    }

    @Test
    void isTakesOnlyItsFourWords() {
        assertEquals("not_null", Filter.parse("a=is.not_null").conditions().get(0).value());
        var error = assertThrows(InvalidFilterException.class, () -> Filter.parse("a=is.nil"));
        assertTrue(error.getMessage().contains("null, not_null, true, false"), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "status", "=eq.x", "status=like.x", "status=eq", "a=in.x,y", "a=in.(x", "a=eq.\"open",
            "a=eq.\"x\\\"", "a=eq.\"x\"y\"z\"", "a=eq.1&&b=eq.2"})
    void refusesMalformedFilters(String text) {
        var error = assertThrows(InvalidFilterException.class, () -> Filter.parse(text));
        assertTrue(error.getMessage().length() < 300, error.getMessage());
    }

    @Test
    void namesTheOperatorsWhenOneIsUnknown() {
        var error = assertThrows(InvalidFilterException.class, () -> Filter.parse("status=like.x"));
        assertEquals("Condition 'status=like.x' has no known operator; use one of eq, neq, lt, lte, gt, gte, in, is, "
                + "followed by a dot and the value", error.getMessage());
    }

    @Test
    void boundsSizeConditionsAndLists() {
        assertThrows(InvalidFilterException.class, () -> Filter.parse("a=eq." + "x".repeat(Filter.MAX_LENGTH)));
        assertThrows(InvalidFilterException.class, () -> Filter.parse("a=eq.1&".repeat(Filter.MAX_CONDITIONS) + "a=eq.1"));
        assertThrows(InvalidFilterException.class, () -> Filter.parse("a=in.(" + "1,".repeat(Filter.MAX_IN_VALUES) + "1)"));
        assertEquals(Filter.MAX_IN_VALUES, Filter.parse("a=in.(" + "1,".repeat(Filter.MAX_IN_VALUES - 1) + "1)")
                .conditions().get(0).values().size());
    }

    @Test
    void echoesLongInputShortened() {
        var error = assertThrows(InvalidFilterException.class, () -> Filter.parse("x".repeat(3_000)));
        assertTrue(error.getMessage().length() < 300, error.getMessage());
    }
}
