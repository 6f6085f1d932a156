/** The admin API over the open WebSocket connections: list them, disconnect one. */
package io.plank.web.sessions;
