/** The captured tables and the connected clients as MXBeans in the {@code io.plank} JMX domain. */
package io.plank.web.management;
