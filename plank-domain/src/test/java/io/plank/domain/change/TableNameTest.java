package io.plank.domain.change;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TableNameTest {

    @Test
    void aBareNameIsInPublic() {
        assertEquals(new TableName("public", "orders"), TableName.parse("orders"));
        assertEquals("orders", TableName.parse("orders").toString());
    }

    @Test
    void aQualifiedNameKeepsItsSchema() {
        assertEquals(new TableName("sales", "Invoices_2026"), TableName.parse("sales.Invoices_2026"));
        assertEquals("sales.Invoices_2026", TableName.parse("sales.Invoices_2026").toString());
        assertEquals("orders", TableName.parse("public.orders").toString(), "public is the default, named as frames name it");
    }

    @Test
    void aCanonicalNameIsTheOneFramesUse() {
        assertEquals("items", TableName.canonical("public.items"));
        assertEquals("items", TableName.canonical("items"));
        assertEquals("sales.orders", TableName.canonical("sales.orders"));
        assertEquals("my-table", TableName.canonical("my-table"), "a name only SQL could capture stays as it is");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a.b.c", ".orders", "orders.", "1orders", "orders; DROP TABLE items", "it's",
            "\"quoted\"", "ítems", "with space", "tab\tle"})
    void anythingButPlainIdentifiersIsRefused(String name) {
        assertThrows(IllegalArgumentException.class, () -> TableName.parse(name));
    }

    @Test
    void overlongNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> TableName.parse("x".repeat(64)));
        assertEquals("x".repeat(63), TableName.parse("x".repeat(63)).table());
        assertThrows(IllegalArgumentException.class, () -> TableName.parse(null));
    }
}
