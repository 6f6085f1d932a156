package io.plank.health.jmx;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * The MXBeans one part of Plank registers in the platform MBean server, under {@code io.plank:type=...}: registered
 * at start (replacing any a failed undeployment left) and all removed at stop, so redeployments leave none behind.
 * A bean that cannot be registered is logged and skipped: JMX is never a reason for Plank not to start.
 */
public final class PlankMBeans {

    private static final Logger LOG = Logger.getLogger(PlankMBeans.class.getName());

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final List<ObjectName> registered = new ArrayList<>();

    /** Registers {@code bean} as {@code io.plank:type=<type>}, seen through the MXBean interface {@code mxBean}. */
    public synchronized <T> void register(String type, T bean, Class<T> mxBean) {
        try {
            ObjectName name = new ObjectName("io.plank", "type", type);
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(new StandardMBean(bean, mxBean, true), name);
            registered.add(name);
        } catch (JMException e) {
            LOG.log(Level.WARNING, "Could not register io.plank:type=" + type + " for JMX", e);
        }
    }

    public synchronized void unregisterAll() {
        for (ObjectName name : registered) {
            try {
                server.unregisterMBean(name);
            } catch (JMException e) {
                LOG.log(Level.FINE, "Could not unregister " + name, e);
            }
        }
        registered.clear();
    }
}
