package io.plank.testsupport.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * WildFly with a base directory of its own in the work directory, deploying through the deployment scanner and its
 * marker files.
 *
 * <p>The configuration is {@code standalone.xml} plus MicroProfile Health, added with the embedded CLI before the
 * first boot by the script the Docker image runs too ({@code docker/wildfly/configure.cli}).
 * {@code standalone-microprofile.xml} would bring MicroProfile Health but has no EJB subsystem (WildFly 38), so
 * Plank's {@code @Singleton @Startup} listener would not even be a bean there.
 */
final class WildFlyServer extends AppServer {

    private static final String CONFIG = "standalone.xml";
    /** docker/wildfly/configure.cli, which the Docker image runs too (copied here by the build). */
    private static final String CONFIGURE = "configure.cli";
    private static final int HTTP = 8080;
    private static final int MANAGEMENT = 9990;
    /** Every socket binding in {@value #CONFIG}; port-offset moves them all. */
    private static final int[] BOUND_PORTS = {8009, HTTP, 8443, MANAGEMENT, 9993, 4712, 4713};
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration DEPLOY_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration UNDEPLOY_TIMEOUT = Duration.ofMinutes(2);

    private static final String STOP = "stop-embedded-server";
    /**
     * The harness deploys and undeploys by marker files alone. With the scanner's default, auto-deploy-zipped, an
     * EAR replaced after an undeployment was deployed by the next scan as well as by its {@code .dodeploy} marker: two
     * deployments in a row, the second closing the sessions opened on the first (RedeployIT, WildFly, once in CI).
     */
    private static final String DEPLOY_BY_MARKERS_ONLY =
            "/subsystem=deployment-scanner/scanner=default:write-attribute(name=auto-deploy-zipped,value=false)";

    private int offset = -1;
    /** Where this launch's part of the log starts: a restart appends to the same file. */
    private long logStart;

    WildFlyServer(Path home, Path workDir) {
        super(ServerKind.WILDFLY, home, workDir);
    }

    @Override
    ServerProcess launch(Map<String, String> environment, Ports ports) {
        if (offset < 0) { // a restart finds its base directory, ports and deployments in place
            offset = ports == Ports.FREE ? FreePorts.offsetFor(BOUND_PORTS) : 0;
            copyTree(home.resolve("standalone/configuration"), baseDir().resolve("configuration"));
            copyTree(home.resolve("standalone/deployments"), baseDir().resolve("deployments"));
            configure();
        }

        logStart = Logs.size(logFile());
        var env = new HashMap<>(environment);
        env.put("JBOSS_HOME", home.toString());
        // The script then forwards SIGTERM to the server JVM instead of leaving it behind.
        env.put("LAUNCH_JBOSS_IN_BACKGROUND", "true");
        // standalone.conf's default sizing is -Xms64m -Xmx512m; it takes this variable instead when set.
        env.putIfAbsent("JBOSS_JAVA_SIZING", "-Xms64m " + HEAP);
        return ServerProcess.launch(List.of("/bin/sh", home.resolve("bin/standalone.sh").toString(),
                        "-c", CONFIG,
                        "-Djboss.server.base.dir=" + baseDir(),
                        "-Djboss.socket.binding.port-offset=" + offset,
                        "-b", "127.0.0.1", "-bmanagement", "127.0.0.1"),
                env, workDir, consoleLog());
    }

    @Override
    void awaitStarted() {
        // WFLYSRV0025: started; WFLYSRV0026: started with errors (still worth reporting through deploy and health).
        awaitCondition("WildFly to finish booting", START_TIMEOUT, () -> {
            String log = Logs.since(logFile(), logStart);
            return log.contains("WFLYSRV0025") || log.contains("WFLYSRV0026");
        });
    }

    /** Runs {@link #CONFIGURE} on this run's copy of the configuration, with the embedded CLI (no server yet). */
    private void configure() {
        Path script = workDir.resolve(CONFIGURE);
        try (InputStream shared = WildFlyServer.class.getResourceAsStream(CONFIGURE)) {
            if (shared == null) {
                throw new ServerException(CONFIGURE + " is missing from plank-test-support's resources");
            }
            String configure = new String(shared.readAllBytes(), StandardCharsets.UTF_8);
            Files.writeString(script, configure.replace(STOP, DEPLOY_BY_MARKERS_ONLY + "\n" + STOP));
        } catch (IOException e) {
            throw new ServerException("Could not write " + script, e);
        }
        runTool(List.of("/bin/sh", home.resolve("bin/jboss-cli.sh").toString(), "--file=" + script),
                Map.of("JAVA_OPTS", "-Djboss.server.base.dir=" + baseDir()), Duration.ofMinutes(2));
    }

    @Override
    public void deploy(Path archive, String application) {
        Path deployments = baseDir().resolve("deployments");
        String name = fileName(application, archive);
        Path deployed = deployments.resolve(name + ".deployed");
        Path failed = deployments.resolve(name + ".failed");
        try {
            Files.deleteIfExists(deployed);
            Files.deleteIfExists(failed);
            Files.deleteIfExists(deployments.resolve(name + ".undeployed"));
            // Copied under a name the scanner ignores, then renamed: it never sees half a file.
            Path partial = deployments.resolve(name + ".part");
            Files.copy(archive, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, deployments.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(deployments.resolve(name + ".dodeploy"), name);
        } catch (IOException e) {
            throw new ServerException("Could not place " + archive + " in " + deployments, e);
        }
        awaitCondition(name + " to be deployed", DEPLOY_TIMEOUT, () -> Files.exists(deployed) || Files.exists(failed));
        if (Files.exists(failed)) {
            throw new ServerException("Deploying " + name + " on WildFly failed: " + read(failed) + "\n" + evidence());
        }
    }

    /** Deleting the {@code .deployed} marker is the scanner's way to undeploy; it answers with {@code .undeployed}. */
    @Override
    public void undeploy(String application) {
        Path deployments = baseDir().resolve("deployments");
        String name = Stream.of(".ear", ".war").map(type -> application + type)
                .filter(file -> Files.exists(deployments.resolve(file + ".deployed"))).findFirst()
                .orElseThrow(() -> new ServerException(application + " is not deployed on WildFly (no marker in " + deployments + ")"));
        Path deployed = deployments.resolve(name + ".deployed");
        Path undeployed = deployments.resolve(name + ".undeployed");
        try {
            Files.deleteIfExists(undeployed);
            Files.delete(deployed);
        } catch (IOException e) {
            throw new ServerException("Could not remove " + deployed, e);
        }
        awaitCondition(name + " to be undeployed", UNDEPLOY_TIMEOUT, () -> Files.exists(undeployed));
    }

    /**
     * The deployment's file name: the application's name with the archive's type, one name whatever the file is called
     * (plank-ear-0.1.0-SNAPSHOT.ear in a Maven repository becomes plank.ear).
     */
    private static String fileName(String application, Path archive) {
        String file = archive.getFileName().toString();
        return application + file.substring(file.lastIndexOf('.'));
    }

    @Override
    void shutDownGracefully() {
        // SIGTERM, sent by the caller, is WildFly's graceful shutdown.
    }

    @Override
    public URI readinessUrl() {
        return URI.create("http://127.0.0.1:" + (MANAGEMENT + offset) + "/health/ready");
    }

    @Override
    public Path logFile() {
        return baseDir().resolve("log/server.log");
    }

    @Override
    public int httpPort() {
        return HTTP + offset;
    }

    /** The management port, where WildFly also serves health. */
    public int managementPort() {
        return MANAGEMENT + offset;
    }

    private Path baseDir() {
        return workDir.resolve("standalone");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable " + file + ")";
        }
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(source -> {
                try {
                    Path target = to.resolve(from.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new ServerException("Could not copy " + from + " to " + to, e);
        }
    }
}
