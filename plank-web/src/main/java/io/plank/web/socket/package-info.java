/**
 * The WebSocket face: clients subscribe to tables, and each committed change is queued once per
 * subscribed session and sent asynchronously, one message at a time per session.
 */
package io.plank.web.socket;

