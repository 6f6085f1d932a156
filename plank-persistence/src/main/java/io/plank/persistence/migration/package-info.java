/** Brings Plank's schema, including the change-capture trigger, up to date with Flyway. */
package io.plank.persistence.migration;
