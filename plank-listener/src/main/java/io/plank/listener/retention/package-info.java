/** Keeps the durable change log from growing without bound. */
package io.plank.listener.retention;
