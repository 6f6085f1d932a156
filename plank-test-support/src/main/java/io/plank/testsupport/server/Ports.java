package io.plank.testsupport.server;

/** Which ports a server listens on. */
public enum Ports {
    /** The server's well-known ports (8080, ...): what the run command and a browser expect. */
    DEFAULT,
    /** Ports free right now, so tests can run beside anything else on the machine. */
    FREE
}
