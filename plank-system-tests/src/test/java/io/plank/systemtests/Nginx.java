package io.plank.systemtests;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Assumptions;

import io.plank.testsupport.wait.Eventually;

/**
 * Debian's nginx running the documented configuration, {@code docker/nginx/plank.conf}, in front of a Plank server:
 * the same file with this run's ports, a certificate made for the run ({@code openssl}, for {@code localhost}) and
 * files under a temporary directory. It can be stopped and started again on the same port, which cuts every
 * connection through it.
 */
final class Nginx implements AutoCloseable {

    static final Path BINARY = Path.of(System.getProperty("plank.nginx", "/usr/sbin/nginx"));
    private static final Path DOCUMENTED = Path.of("..", "docker", "nginx", "plank.conf");

    private final Path dir;
    private final int port;
    private Process process;

    private Nginx(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Skips the calling test when nginx is missing, saying how to install it. */
    static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(BINARY),
                () -> "The reverse-proxy test needs nginx at " + BINARY + " (on Debian/Ubuntu: apt-get install nginx-light)");
    }

    /** Starts nginx with the documented configuration, passing to Plank's HTTP port at {@code upstream}. */
    static Nginx inFrontOf(URI upstream) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("plank-nginx-");
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", dir.resolve("plank.key").toString(), "-out", dir.resolve("plank.crt").toString()));
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String site = Files.readString(DOCUMENTED)
                .replace("server 127.0.0.1:8080;", "server " + upstream.getHost() + ":" + upstream.getPort() + ";")
                .replace("listen 443 ssl;", "listen 127.0.0.1:" + port + " ssl;")
                .replace("/etc/nginx/tls/", dir + "/");
        Files.writeString(dir.resolve("plank.conf"), site);
        Files.writeString(dir.resolve("nginx.conf"), String.join("\n",
                "user root;", // ignored (with a notice) unless nginx runs as root, where it keeps the workers able to read this directory
                "worker_processes 1;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("error.log") + " info;",
                "events { worker_connections 1024; }",
                "http {",
                "    access_log " + dir.resolve("access.log") + ";",
                "    client_body_temp_path " + dir.resolve("body") + ";",
                "    proxy_temp_path " + dir.resolve("proxy") + ";",
                "    fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
                "    uwsgi_temp_path " + dir.resolve("uwsgi") + ";",
                "    scgi_temp_path " + dir.resolve("scgi") + ";",
                "    include " + dir.resolve("plank.conf") + ";",
                "}", ""));
        var nginx = new Nginx(dir, port);
        nginx.start();
        return nginx;
    }

    /** {@code https://localhost:PORT} + {@code path}: the proxy's public address. */
    URI https(String path) {
        return URI.create("https://localhost:" + port + path);
    }

    URI wss(String path) {
        return URI.create("wss://localhost:" + port + path);
    }

    /** The origin of a page served through the proxy. */
    String origin() {
        return "https://localhost:" + port;
    }

    /** An HTTP client (HTTP/1.1, as nginx passes WebSocket upgrades) that trusts this run's certificate. */
    HttpClient client() {
        try (InputStream pem = Files.newInputStream(dir.resolve("plank.crt"))) {
            var trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            trusted.setCertificateEntry("plank", CertificateFactory.getInstance("X.509").generateCertificate(pem));
            var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            var tls = SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        } catch (Exception e) {
            throw new AssertionError("Could not trust " + dir.resolve("plank.crt"), e);
        }
    }

    /** Stops nginx at once (SIGTERM: it closes every connection) and returns once its port is free. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts nginx (again) on the same port and returns once it accepts connections. */
    void start() throws IOException {
        process = new ProcessBuilder(BINARY.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(), "-g", "daemon off;")
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        Eventually.until("nginx listening on " + port + " (" + dir + ")", Duration.ofSeconds(20), this::listening, Boolean.TRUE::equals,
                this::log);
    }

    private boolean listening() {
        if (!process.isAlive()) {
            throw new AssertionError("nginx ended: " + log());
        }
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("nginx.out")) + Files.readString(dir.resolve("error.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + output);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
