/** The listener and the change log as MXBeans in the {@code io.plank} JMX domain, for the servers' consoles and JMX clients. */
package io.plank.listener.management;
