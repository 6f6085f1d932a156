/** Reads and writes the {@code items} table through JPA. */
package io.plank.persistence.items;
