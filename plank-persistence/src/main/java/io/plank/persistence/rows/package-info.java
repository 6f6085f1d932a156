/** Rows of captured tables: their columns and types, subscription filters over them, and consistent snapshots. */
package io.plank.persistence.rows;
