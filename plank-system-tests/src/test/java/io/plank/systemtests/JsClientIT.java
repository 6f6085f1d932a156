package io.plank.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.plank.testsupport.server.ServerKind;

/**
 * The JavaScript client library (plank-js) against this run's Plank: each file of plank-js/test/e2e runs under
 * Node's test runner, one JUnit test per file, with the server's addresses and a {@link ClientTestControl} (kill and
 * restart the server, SQL, pruning the log) in its environment. The files say what they prove.
 */
@ExtendWith(PlankExtension.class)
@Timeout(value = 12, unit = TimeUnit.MINUTES)
// After the unordered classes: reset.test.mjs prunes the change log (CapturedTablesIT replays it from since=0) and
// restart.test.mjs kills or redeploys the server. Before DatabaseOutageIT and PostgresRestartIT, which stop PostgreSQL.
@Order(Integer.MAX_VALUE - 2)
class JsClientIT {

    private static final Logger LOG = Logger.getLogger(JsClientIT.class.getName());
    private static final Duration FILE_TIMEOUT = Duration.ofMinutes(4);

    @TestFactory
    Stream<DynamicTest> clientLibraryAgainstRealPlank(RunningPlank plank) throws IOException {
        Path js = Path.of(System.getProperty("plank.js.dir")).toAbsolutePath().normalize();
        Path e2e = js.resolve("test/e2e");
        assertTrue(Files.isRegularFile(js.resolve("dist/plank.esm.js")),
                "plank-js is built (dist/plank.esm.js); build the reactor: mvn verify");
        List<Path> files;
        try (Stream<Path> listed = Files.list(e2e)) {
            // -Dplank.js.e2e=transactions runs only the files whose names hold that text (one file while working on it).
            String only = System.getProperty("plank.js.e2e", "");
            files = listed.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".test.mjs") && name.contains(only))
                    .sorted().map(e2e::resolve).toList();
        }
        assertTrue(!files.isEmpty(), "test files in " + e2e);
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> run(plank, js, file)));
    }

    private static void run(RunningPlank plank, Path js, Path file) throws Exception {
        Path output = Path.of("target", "js-e2e", plank.kind().id() + "-" + file.getFileName() + ".log").toAbsolutePath();
        Files.createDirectories(output.getParent());
        try (var control = ClientTestControl.start(plank)) {
            var command = new ProcessBuilder("node", "--test", "--test-reporter=spec", js.relativize(file).toString())
                    .directory(js.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            var env = new HashMap<String, String>();
            env.put("PLANK_SERVER", plank.kind().id());
            env.put("PLANK_HTTP_URL", plank.baseUrl().toString());
            env.put("PLANK_WS_URL", plank.webSocket("").toString());
            env.put("PLANK_CONTROL_URL", control.url().toString());
            env.put("NO_COLOR", "1");
            // restart.test.mjs: WildFly is killed and started again (about 50 s here); Payara, whose restart takes
            // about 95 s, is redeployed (about 10 s) instead, which keeps the suite's time down and covers both.
            env.put("PLANK_RESTART", plank.kind() == ServerKind.WILDFLY ? "kill" : "redeploy");
            command.environment().putAll(env);
            Instant begin = Instant.now();
            Process node = command.start();
            boolean ended = node.waitFor(FILE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                node.descendants().forEach(ProcessHandle::destroyForcibly);
                node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String log = Files.readString(output);
            LOG.info(() -> plank.kind().id() + ": " + file.getFileName() + " in " + Duration.between(begin, Instant.now()).toSeconds()
                    + " s (" + output + ")\n" + log);
            assertTrue(ended, file.getFileName() + " still running after " + FILE_TIMEOUT.toMinutes() + " min:\n" + log);
            assertEquals(0, node.exitValue(), file.getFileName() + " failed:\n" + log);
        }
    }
}
