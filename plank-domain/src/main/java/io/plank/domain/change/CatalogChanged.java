package io.plank.domain.change;

/**
 * A table may have been captured, released, dropped, renamed or given other columns (DDL, or the listener
 * reconnected): whoever caches the catalog reads it again. Fired by the listener in order with the changes around it.
 */
public record CatalogChanged() {
}
