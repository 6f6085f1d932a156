package io.plank.testsupport.server;

import java.nio.file.Path;
import java.util.Locale;

/** The application servers Plank's one EAR must run on unmodified. */
public enum ServerKind {
    PAYARA, WILDFLY;

    /** {@code payara} or {@code wildfly}, any case. */
    public static ServerKind parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown server '" + name + "': use payara or wildfly", e);
        }
    }

    /**
     * A server of this kind from an unpacked Maven Central distribution ({@code .../payara6} or
     * {@code .../wildfly-38.0.1.Final}), keeping everything a run writes under {@code workDir}.
     */
    public AppServer install(Path home, Path workDir) {
        return switch (this) {
            case PAYARA -> new PayaraServer(home, workDir);
            case WILDFLY -> new WildFlyServer(home, workDir);
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
