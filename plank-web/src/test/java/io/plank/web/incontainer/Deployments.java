package io.plank.web.incontainer;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import io.plank.testsupport.db.TestDatabase;
import io.plank.testsupport.wait.Eventually;

/**
 * Builds the one archive the in-container tests deploy: the WAR this module packaged, plus in WEB-INF/lib what
 * the EAR brings along (plank-domain, plank-persistence with persistence.xml and db/migration, plank-health, the plank-listener
 * EJB module, pgjdbc, Flyway and their dependencies; copied by the pom), the tests' helpers, and a
 * MicroProfile Config file pointing plank.db.* at a fresh database, with every table open to anyone.
 *
 * <p>Runs on the client only (Arquillian calls {@code @Deployment} methods outside the container). Each
 * deployment gets its own database; all of them are dropped when the test JVM exits, after Arquillian has
 * stopped the servers.
 */
final class Deployments {

    private static final List<TestDatabase> DATABASES = new ArrayList<>();
    private static WebArchive packagedWar;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Deployments::dropDatabases, "plank-incontainer-drop-databases"));
    }

    private Deployments() {
    }

    static WebArchive plank() {
        WebArchive war = ShrinkWrap.create(WebArchive.class, "plank.war").merge(packagedWar());
        libraries().forEach(jar -> war.addAsLibrary(jar.toFile()));
        war.addClasses(ChangeRecorder.class, Eventually.class, Sql.class);
        war.addAsResource(new StringAsset(config(freshDatabase())), "META-INF/microprofile-config.properties");
        return war;
    }

    /** Read once: a build running in the same tree may rewrite the file while the tests run. */
    private static synchronized WebArchive packagedWar() {
        if (packagedWar == null) {
            packagedWar = ShrinkWrap.create(ZipImporter.class, "plank-web.war")
                    .importFrom(path("plank.incontainer.war").toFile())
                    .as(WebArchive.class);
        }
        return packagedWar;
    }

    private static List<Path> libraries() {
        Path dir = path("plank.incontainer.libs");
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> jars = files.filter(file -> file.toString().endsWith(".jar")).sorted().toList();
            for (String expected : List.of("plank-domain.jar", "plank-persistence.jar", "plank-health.jar", "plank-listener.jar",
                    "postgresql.jar", "flyway-core.jar", "flyway-database-postgresql.jar")) {
                if (jars.stream().noneMatch(jar -> jar.getFileName().toString().equals(expected))) {
                    throw new IllegalStateException(expected + " is missing from " + dir + " (run through mvn verify)");
                }
            }
            return jars;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    /** The database of the newest deployment, for a client-side ({@code testable = false}) test to check. */
    static synchronized TestDatabase newestDatabase() {
        if (DATABASES.isEmpty()) {
            throw new IllegalStateException("No deployment has been built yet");
        }
        return DATABASES.get(DATABASES.size() - 1);
    }

    private static synchronized TestDatabase freshDatabase() {
        TestDatabase database = TestDatabase.create();
        DATABASES.add(database);
        return database;
    }

    private static synchronized void dropDatabases() {
        DATABASES.forEach(TestDatabase::close);
        DATABASES.clear();
    }

    private static String config(TestDatabase database) {
        var config = new Properties();
        config.setProperty("plank.db.url", database.url());
        config.setProperty("plank.db.user", database.user());
        config.setProperty("plank.db.password", database.password());
        // Every table open to anyone, as in the system tests' harness: these tests are about the listener, JPA and JMX,
        // and a deployment as shipped reads nothing without a token and a grant (SecurityIT, AdminOffIT).
        config.setProperty("plank.grants", "*:read:anyone,*:write:anyone");
        // As the system tests' main runs: capture by trigger (the default, auto, is tested by their logical runs).
        config.setProperty("plank.capture.method", "trigger");
        var text = new StringWriter();
        try {
            config.store(text, "Written by " + Deployments.class.getName());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    private static Path path(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("System property " + property + " is not set; run the in-container tests through mvn verify");
        }
        Path path = Path.of(value);
        if (!Files.exists(path)) {
            throw new IllegalStateException(property + " names " + path + ", which does not exist");
        }
        return path;
    }
}
