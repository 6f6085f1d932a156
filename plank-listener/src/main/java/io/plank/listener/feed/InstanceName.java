package io.plank.listener.feed;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * What this instance is called in {@code plank.listener_cursor}, where its position in the change log is saved:
 * {@code plank.instance} when set, else the host name and the application server's own name for itself (Payara
 * Server's instance name, {@code com.sun.aas.instanceName}; WildFly's node name, {@code jboss.node.name}, which is the
 * host name unless set). Instances on different hosts, or different servers on one host, so never share a position.
 */
final class InstanceName {

    private InstanceName() {
    }

    static String of(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured.strip();
        }
        String host = host();
        String server = System.getProperty("com.sun.aas.instanceName", System.getProperty("jboss.node.name", ""));
        return server.isBlank() || server.equalsIgnoreCase(host) ? host : host + "/" + server;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
