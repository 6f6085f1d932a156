/** WebSocket stand-ins for tests and benchmarks of Plank's fan-out without a container. */
package io.plank.testsupport.websocket;
