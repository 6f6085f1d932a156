package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Docker files, read against the build, since this machine cannot run them: the images are of the server
 * versions the tests run, copy the EAR the build makes, configure WildFly with the one script the tests use, and
 * report ready only when Plank's readiness check says so; the compose file wires both servers to its PostgreSQL with
 * the credentials that database is created with, and starts them once it is healthy.
 */
class DockerFilesTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern JDBC_URL = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/(\\w+)");

    @Test
    void eachImageRunsTheTestedServerWithTheBuiltEarAndAReadinessHealthCheck() throws Exception {
        String payara = Files.readString(ROOT.resolve("docker/payara/Dockerfile"));
        String wildfly = Files.readString(ROOT.resolve("docker/wildfly/Dockerfile"));

        assertTrue(payara.contains("FROM payara/server-full:" + property("payara.version") + "-jdk17"), "Payara's image is the tested version");
        assertTrue(wildfly.contains("FROM quay.io/wildfly/wildfly:" + property("wildfly.version") + "-jdk17"), "WildFly's image is the tested version");

        String ear = "plank-ear/target/" + earName() + ".ear";
        assertTrue(payara.contains("COPY --chown=payara:payara " + ear + " ${DEPLOY_DIR}/plank.ear"), "Payara deploys the built EAR");
        assertTrue(wildfly.contains(ear + " /opt/jboss/wildfly/standalone/deployments/plank.ear"), "WildFly deploys the built EAR");

        for (String setting : new String[] {"min-thread-pool-size=16", "max-thread-pool-size=64", "max-queue-size=-1"}) {
            assertTrue(payara.contains("thread-pool.http-thread-pool." + setting + "' >> ${PREBOOT_COMMANDS}"),
                    "Payara's image widens the HTTP thread pool as the tests' servers do: " + setting);
        }
        assertTrue(payara.contains("transports.transport.tcp.max-connections-count=16384' >> ${PREBOOT_COMMANDS}"),
                "Payara's image lengthens the listening socket's backlog as the tests' servers do");
        assertTrue(wildfly.contains("COPY docker/wildfly/configure.cli /tmp/configure.cli")
                && wildfly.contains("jboss-cli.sh --file=/tmp/configure.cli"), "WildFly is configured by the script the tests run");
        assertTrue(Files.readString(ROOT.resolve("plank-test-support/pom.xml")).contains("../docker/wildfly</directory>"),
                "the tests' WildFly harness takes the same script");

        assertHealthCheck("Payara", payara, 8080);   // Payara serves health on its HTTP port
        assertHealthCheck("WildFly", wildfly, 9990); // WildFly on its management port
        for (String dockerfile : List.of(payara, wildfly)) {
            for (String variable : List.of("PLANK_DB_URL", "PLANK_DB_USER", "PLANK_DB_PASSWORD")) {
                assertTrue(dockerfile.contains(variable + "="), variable + " has a default in both images");
            }
        }
    }

    @Test
    void composeWiresBothServersToItsHealthyPostgres() throws IOException {
        Map<String, Object> compose;
        try (InputStream in = Files.newInputStream(ROOT.resolve("docker/docker-compose.yml"))) {
            compose = new Yaml().load(in);
        }
        Map<String, Object> services = map(compose, "services");
        Map<String, Object> postgres = map(services, "postgres");
        Map<String, Object> database = map(postgres, "environment");
        assertTrue(String.valueOf(postgres.get("image")).startsWith("postgres:"), "a PostgreSQL image");
        assertTrue(String.valueOf(map(postgres, "healthcheck").get("test")).contains("pg_isready"), "PostgreSQL has a health check");
        assertTrue(String.valueOf(postgres.get("command")).contains("wal_level=logical"),
                "PostgreSQL is set up for logical decoding, which plank.capture.method=auto takes: " + postgres.get("command"));

        for (String server : List.of("payara", "wildfly")) {
            Map<String, Object> service = map(services, server);
            assertEquals("docker/" + server + "/Dockerfile", map(service, "build").get("dockerfile"), server + "'s image");
            assertEquals("..", map(service, "build").get("context"), server + " builds from the repository root");
            assertTrue(Files.exists(ROOT.resolve("docker/" + server + "/Dockerfile")));

            Map<String, Object> environment = map(service, "environment");
            Matcher url = JDBC_URL.matcher(String.valueOf(environment.get("PLANK_DB_URL")));
            assertTrue(url.matches(), server + "'s PLANK_DB_URL: " + environment.get("PLANK_DB_URL"));
            assertEquals("postgres", url.group(1), server + " reaches the compose file's PostgreSQL by its service name");
            assertEquals("5432", url.group(2));
            assertEquals(database.get("POSTGRES_DB"), url.group(3), server + " uses the database PostgreSQL creates");
            assertEquals(database.get("POSTGRES_USER"), environment.get("PLANK_DB_USER"), server + "'s user");
            assertEquals(database.get("POSTGRES_PASSWORD"), environment.get("PLANK_DB_PASSWORD"), server + "'s password");
            assertEquals("service_healthy", map(map(service, "depends_on"), "postgres").get("condition"), server + " waits for PostgreSQL");
            assertTrue(String.valueOf(service.get("ports")).contains(":8080"), server + " publishes its HTTP port");
        }
    }

    private static void assertHealthCheck(String server, String dockerfile, int port) {
        Matcher check = Pattern.compile("(?s)HEALTHCHECK .*?CMD (.*?)\\n(\\n|\\z|#|[A-Z]+ )").matcher(dockerfile + "\n\n");
        assertTrue(check.find(), server + " has a HEALTHCHECK");
        String command = check.group(1);
        assertTrue(command.contains("/dev/tcp/127.0.0.1/" + port) && command.contains("GET /health/ready") && command.contains(" 200 "),
                server + "'s health check asks readiness on port " + port + ": " + command);
        assertTrue(dockerfile.matches("(?s).*EXPOSE [0-9 ]*" + port + ".*"), server + " exposes " + port);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertTrue(value instanceof Map, key + " is a mapping: " + value);
        return (Map<String, Object>) value;
    }

    private static String property(String name) throws Exception {
        var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
        return pom.getElementsByTagName(name).item(0).getTextContent().strip();
    }

    private static String earName() throws Exception {
        var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("plank-ear/pom.xml").toFile());
        return pom.getElementsByTagName("finalName").item(0).getTextContent().strip();
    }
}
