/** The end-to-end benchmark: plank.ear on real servers, real WebSocket clients, a JDBC writer, one table of results. */
package io.plank.bench.endtoend;
