/** A Java client for Plank's WebSocket protocol: a connection that reconnects and resumes, subscriptions and live views. */
package io.plank.client;
