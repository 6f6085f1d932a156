/**
 * The listener's status, published by the listener and read by the health checks here and by the status resource.
 * A library of its own under the EAR's lib/: WildFly finds health checks only in bean archives the whole EAR sees,
 * and the listener (EJB module) and the web module both need the status without knowing each other.
 */
package io.plank.health;
