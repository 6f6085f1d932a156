package io.plank.persistence.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.plank.domain.access.Grant;
import io.plank.domain.access.RowBinding;
import io.plank.persistence.migration.SchemaMigrator;
import io.plank.testsupport.db.FreshDatabase;

/** Grants and bindings stored through the admin API, on a real database: replaced whole, read back by another instance. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StoredAccessTest {

    @RegisterExtension
    final FreshDatabase database = FreshDatabase.migratedBy(SchemaMigrator::migrate);

    @Test
    void grantsAreReplacedWholeAndAnotherInstanceReadsThem() {
        var one = new StoredAccess(database.dataSource());
        one.replaceGrants("orders", List.of("sales", "audit"), List.of("writer"));
        one.replaceGrants("orders", List.of("sales"), List.of());
        one.replaceGrants("items", List.of("anyone"), List.of("anyone"));

        var other = new StoredAccess(database.dataSource()); // another instance, reading the database afresh
        assertEquals(Set.of("orders:read:sales", "items:read:anyone", "items:write:anyone"), text(other.current().grants()));
    }

    @Test
    void aBindingIsSetReplacedAndRemoved() {
        var access = new StoredAccess(database.dataSource());
        access.bind(new RowBinding("orders", "tenant_id", "tenant"));
        access.bind(new RowBinding("public.orders", "org_id", "org"));
        assertEquals(List.of(new RowBinding("orders", "org_id", "org")), new StoredAccess(database.dataSource()).current().bindings());
        assertTrue(access.unbind("orders"));
        assertFalse(access.unbind("orders"));
        assertEquals(List.of(), new StoredAccess(database.dataSource()).current().bindings());
    }

    @Test
    void aBadRoleStoresNothing() {
        var access = new StoredAccess(database.dataSource());
        access.replaceGrants("orders", List.of("sales"), List.of());
        assertThrows(IllegalArgumentException.class, () -> access.replaceGrants("orders", List.of("ok", "not ok"), List.of()));
        assertEquals(Set.of("orders:read:sales"), text(new StoredAccess(database.dataSource()).current().grants()));
    }

    private static Set<String> text(List<Grant> grants) {
        return grants.stream().map(g -> g.table() + ":" + g.privilege().wireName() + ":" + g.role()).collect(Collectors.toSet());
    }
}
