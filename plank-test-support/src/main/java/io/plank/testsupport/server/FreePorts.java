package io.plank.testsupport.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Ports nobody listens on right now. A race with other processes remains possible, but is rare. */
final class FreePorts {

    private FreePorts() {
    }

    /** {@code count} distinct ports, all free at the time of the call. */
    static int[] take(int count) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                held.add(new ServerSocket(0));
            }
            return held.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new ServerException("Could not find " + count + " free ports", e);
        } finally {
            held.forEach(FreePorts::closeQuietly);
        }
    }

    /** An offset that, added to every one of {@code basePorts}, gives a free port (WildFly's port-offset). */
    static int offsetFor(int... basePorts) {
        var random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int offset = 10_000 + random.nextInt(40_000);
            if (allFree(offset, basePorts)) {
                return offset;
            }
        }
        throw new ServerException("Found no port offset that frees all of " + java.util.Arrays.toString(basePorts));
    }

    private static boolean allFree(int offset, int[] basePorts) {
        for (int port : basePorts) {
            if (port + offset > 65_535 || !isFree(port + offset)) {
                return false;
            }
        }
        return true;
    }

    static boolean isFree(int port) {
        // The wildcard address: a listener on any interface makes the bind fail.
        try (var socket = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing listens any more either way.
        }
    }
}
