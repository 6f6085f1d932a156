/** Row changes captured in PostgreSQL, as they travel from the listener to the WebSocket clients. */
package io.plank.domain.change;
