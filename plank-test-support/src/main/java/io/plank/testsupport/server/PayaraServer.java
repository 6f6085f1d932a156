package io.plank.testsupport.server;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Payara Server with a domain of its own in the work directory, so runs share no state. The domain runs under
 * {@code asadmin start-domain --verbose}, which keeps the server a child of this JVM.
 */
final class PayaraServer extends AppServer {

    private static final String DOMAIN = "plank";
    /** admin, http, https, jms, iiop, iiop-ssl, iiop-mutual-auth, jmx, osgi shell, debugger: as create-domain sets them. */
    private static final int[] DEFAULT_PORTS = {4848, 8080, 8181, 7676, 3700, 3820, 3920, 8686, 6666, 9009};
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    private int adminPort;
    private int httpPort;

    PayaraServer(Path home, Path workDir) {
        super(ServerKind.PAYARA, home, workDir);
    }

    @Override
    ServerProcess launch(Map<String, String> environment, Ports ports) {
        if (httpPort == 0) { // a restart finds the domain, its ports and its deployments in place
            createDomain(ports);
        }

        var env = new HashMap<>(environment);
        env.put("AS_JAVA", env.get("JAVA_HOME"));
        return ServerProcess.launch(asadmin("start-domain", "--verbose", "--domaindir", domainsDir(), DOMAIN),
                env, workDir, consoleLog());
    }

    private void createDomain(Ports ports) {
        int[] port = ports == Ports.FREE ? FreePorts.take(DEFAULT_PORTS.length) : DEFAULT_PORTS;
        adminPort = port[0];
        httpPort = port[1];
        String domainProperties = "http.ssl.port=" + port[2] + ":jms.port=" + port[3] + ":orb.listener.port=" + port[4]
                + ":orb.ssl.port=" + port[5] + ":orb.mutualauth.port=" + port[6] + ":domain.jmxPort=" + port[7]
                + ":osgi.shell.telnet.port=" + port[8] + ":java.debugger.port=" + port[9];
        runTool(asadmin("create-domain", "--nopassword=true", "--adminport", adminPort, "--instanceport", httpPort,
                "--domainproperties", domainProperties, "--domaindir", domainsDir(), DOMAIN), Duration.ofMinutes(3));
        configureDomain();
    }

    /**
     * Payara's {@code http-thread-pool} has 5 threads and a queue of 4,096 by default, and they read every WebSocket
     * message as well as every request and handshake. Tyrus reschedules a session's idle timer for each message
     * received, a managed task whose context capture scans the EAR's jars for service files, so after a burst of
     * messages a new handshake waited behind them for over 10 s (thread dumps, issue 19), and a reconnect storm
     * overflowed the queue (issue 21: I/O events dropped). The documented setup (docker/payara) sets the same.
     *
     * <p>The TCP transport's {@code max-connections-count} is the listening socket's backlog (4,096 by default): a
     * reconnect storm of more clients than that overflowed it, and the kernel dropped the handshakes' SYNs, which the
     * clients sent again 1, 3, 7 and 15 s later (issue 21). The kernel caps it at {@code net.core.somaxconn}.
     *
     * <p>The heap: {@link AppServer#HEAP} instead of create-domain's 512 MB.
     *
     * <p>Each edit must match: the template's tag once carried {@code max-queue-size="4096"}, an exact-text replace
     * found nothing, and the servers ran with 5 threads unnoticed.
     */
    private void configureDomain() {
        Path domainXml = domainsDir().resolve(DOMAIN).resolve("config/domain.xml");
        try {
            String config = Files.readString(domainXml);
            // The tag's own attributes go; it may close itself (default-config's does).
            config = replaceEach(config, "<thread-pool name=\"http-thread-pool\"[^>/]*(/?)>",
                    Matcher.quoteReplacement("<thread-pool name=\"http-thread-pool\" " + HTTP_THREAD_POOL) + "$1>", domainXml);
            config = replaceEach(config, "<transport name=\"tcp\"[^>/]*(/?)>",
                    Matcher.quoteReplacement("<transport name=\"tcp\" " + TCP_TRANSPORT) + "$1>", domainXml);
            config = replaceEach(config, "<jvm-options>-Xmx[^<]*</jvm-options>",
                    Matcher.quoteReplacement("<jvm-options>" + HEAP + "</jvm-options>"), domainXml);
            Files.writeString(domainXml, config);
        } catch (IOException e) {
            throw new ServerException("Could not configure the HTTP thread pool, the TCP backlog and the heap in " + domainXml, e);
        }
    }

    /** Replaces every match of {@code regex} ({@code replacement} as in {@link Matcher#replaceAll(String)}), or fails. */
    private static String replaceEach(String config, String regex, String replacement, Path domainXml) {
        Matcher matcher = Pattern.compile(regex).matcher(config);
        if (!matcher.find()) {
            throw new ServerException("No " + regex + " in " + domainXml + " to set " + replacement);
        }
        return matcher.replaceAll(replacement);
    }

    @Override
    void awaitStarted() {
        URI admin = URI.create("http://127.0.0.1:" + adminPort + "/management/domain/version");
        awaitCondition("the admin port to answer", START_TIMEOUT, () -> Probe.status(admin) == 200);
        URI http = URI.create("http://127.0.0.1:" + httpPort + "/");
        awaitCondition("the HTTP port to answer", START_TIMEOUT, () -> Probe.status(http) > 0);
    }

    @Override
    public void deploy(Path archive, String name) {
        try {
            // asadmin deploy returns when the application is deployed and enabled, or reports why not.
            runTool(asadmin("--port", adminPort, "deploy", "--force=true", "--name", name, archive.toAbsolutePath()),
                    Duration.ofMinutes(5));
        } catch (ServerException e) {
            throw new ServerException("Deploying " + archive + " on Payara failed: " + e.getMessage() + "\n" + evidence(), e);
        }
    }

    @Override
    public void undeploy(String name) {
        try {
            runTool(asadmin("--port", adminPort, "undeploy", name), Duration.ofMinutes(2));
        } catch (ServerException e) {
            throw new ServerException("Undeploying " + name + " on Payara failed: " + e.getMessage() + "\n" + evidence(), e);
        }
    }

    @Override
    void shutDownGracefully() {
        runTool(asadmin("stop-domain", "--domaindir", domainsDir(), DOMAIN), Duration.ofMinutes(1));
    }

    @Override
    public URI readinessUrl() {
        return URI.create("http://127.0.0.1:" + httpPort + "/health/ready");
    }

    @Override
    public Path logFile() {
        return domainsDir().resolve(DOMAIN).resolve("logs/server.log");
    }

    @Override
    public int httpPort() {
        return httpPort;
    }

    /** The admin console and REST management port. */
    public int adminPort() {
        return adminPort;
    }

    /** What docker/payara/Dockerfile sets through asadmin, as domain.xml attributes. */
    static final String HTTP_THREAD_POOL = "min-thread-pool-size=\"16\" max-thread-pool-size=\"64\" max-queue-size=\"-1\"";
    static final String TCP_TRANSPORT = "max-connections-count=\"16384\"";

    private Path domainsDir() {
        return workDir.resolve("domains");
    }

    private List<String> asadmin(Object... arguments) {
        var command = new ArrayList<String>();
        command.add("/bin/sh");
        command.add(home.resolve("bin/asadmin").toString());
        command.add("--interactive=false");
        for (Object argument : arguments) {
            command.add(argument.toString());
        }
        return command;
    }
}
