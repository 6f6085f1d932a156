/**
 * The state of the change feed, shared by the listener that reports it and the health checks and status
 * resource that read it. It lives in a library jar because WildFly looks for health checks only in bean
 * archives the whole EAR can see.
 */
package io.plank.persistence.feed;
