package io.plank.domain.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.plank.domain.filter.Filter;
import io.plank.domain.filter.Operator;

class AccessPolicyTest {

    private static final Set<String> ANONYMOUS = Set.of(Grant.ANYONE);
    private static final Set<String> SALES = Set.of(Grant.ANYONE, Grant.AUTHENTICATED, "sales");

    @Test
    void nothingIsAllowedWithoutAGrant() {
        assertFalse(AccessPolicy.NONE.allows(SALES, "orders", Privilege.READ));
        assertFalse(AccessPolicy.NONE.allows(SALES, "orders", Privilege.WRITE));
    }

    @Test
    void aTablesOwnGrantsReplaceTheDefaultForThatPrivilege() {
        var policy = AccessPolicy.of(List.of(Grant.parse("*:read:anyone"), Grant.parse("*:write:anyone")),
                List.of(Grant.parse("orders:read:sales")), List.of(), List.of());
        assertTrue(policy.allows(ANONYMOUS, "items", Privilege.READ), "the default for a table without grants");
        assertFalse(policy.allows(ANONYMOUS, "orders", Privilege.READ), "orders has grants of its own");
        assertTrue(policy.allows(SALES, "orders", Privilege.READ));
        assertTrue(policy.allows(ANONYMOUS, "orders", Privilege.WRITE), "no write grant of its own: the default");
        assertEquals(Set.of("sales"), policy.roles("orders", Privilege.READ));
    }

    @Test
    void configuredAndStoredGrantsAddUpAndAConfiguredBindingWins() {
        var policy = AccessPolicy.of(List.of(Grant.parse("orders:read:sales")), List.of(Grant.parse("orders:read:audit")),
                List.of(RowBinding.parse("orders:tenant_id:tenant")), List.of(RowBinding.parse("orders:region:region")));
        assertEquals(Set.of("audit", "sales"), policy.roles("orders", Privilege.READ));
        assertEquals("tenant_id", policy.binding("orders").orElseThrow().column());
    }

    @Test
    void namesAreCheckedAndCanonical() {
        assertEquals("orders", Grant.parse(" public.orders : write : writer ").table());
        assertEquals(Privilege.WRITE, Grant.parse("orders:write:writer").privilege());
        for (String bad : List.of("orders:read", "orders:delete:x", "orders;drop:read:x", "orders:read:a b", "orders:read:", "a:b:c:d")) {
            assertThrows(IllegalArgumentException.class, () -> Grant.parse(bad), bad);
        }
        for (String bad : List.of("orders:tenant id:tenant", "orders:tenant_id:", "orders:1col:tenant", "orders")) {
            assertThrows(IllegalArgumentException.class, () -> RowBinding.parse(bad), bad);
        }
    }

    @Test
    void aBindingNarrowsTheClientsFilterWithAConditionOfItsOwn() {
        var binding = RowBinding.parse("orders:tenant_id:tenant");
        Filter requested = Filter.parse("status=eq.paid");
        Filter narrowed = binding.narrow(requested, List.of("7", "9")).orElseThrow();
        assertEquals(2, narrowed.conditions().size());
        assertEquals("tenant_id", narrowed.conditions().get(1).column());
        assertEquals(Operator.IN, narrowed.conditions().get(1).operator());
        assertEquals(List.of("7", "9"), narrowed.conditions().get(1).values());
        assertEquals("tenant_id=in.(7,9)", binding.narrow(null, List.of("7", "9")).orElseThrow().text());
        assertTrue(binding.narrow(requested, List.of()).isEmpty(), "no claim: nothing to read");
    }

    @Test
    void theBindingIsAddedPastTheClientsOwnLimitOnConditions() {
        String sixteen = String.join("&", java.util.Collections.nCopies(Filter.MAX_CONDITIONS, "a=eq.1"));
        Filter narrowed = RowBinding.parse("orders:tenant_id:tenant").narrow(Filter.parse(sixteen), List.of("1")).orElseThrow();
        assertEquals(Filter.MAX_CONDITIONS + 1, narrowed.conditions().size());
    }
}
