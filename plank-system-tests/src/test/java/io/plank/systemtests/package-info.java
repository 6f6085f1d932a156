/** Black-box tests of the built plank.ear on a real server, through HTTP, WebSocket and JDBC only. */
package io.plank.systemtests;
