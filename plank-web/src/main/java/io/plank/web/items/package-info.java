/** CRUD over HTTP for the demo {@code items} table. */
package io.plank.web.items;
