/** Registering Plank's MXBeans (the listener's module and the web module each have theirs). */
package io.plank.health.jmx;
