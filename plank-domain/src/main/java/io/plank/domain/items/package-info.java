/** The demo {@code items} table that Plank captures out of the box, and the errors its use can raise. */
package io.plank.domain.items;
