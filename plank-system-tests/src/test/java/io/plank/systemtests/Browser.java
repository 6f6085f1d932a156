package io.plank.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium ({@code /usr/bin/chromium}) driven through Debian's chromedriver
 * ({@code /usr/bin/chromedriver}), with a fresh profile that is deleted on {@link #close()}. Both paths are given to
 * Selenium explicitly, so Selenium Manager never runs and nothing is downloaded. {@code -Dplank.chromium=...} and
 * {@code -Dplank.chromedriver=...} point elsewhere, for machines that are not Debian.
 */
final class Browser implements AutoCloseable {

    static final Path CHROMIUM = Path.of(System.getProperty("plank.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("plank.chromedriver", "/usr/bin/chromedriver"));

    /**
     * Selenium looks for its CDP binding of the browser's version, finds none (selenium-devtools-vNNN is not on the
     * class path: these tests use WebDriver only) and would warn on every start.
     */
    private static final Logger CDP_VERSION_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_VERSION_FINDER.setLevel(Level.SEVERE);
    }

    private static final Logger LOG = Logger.getLogger(Browser.class.getName());
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);

    private final Path profile;
    private final ChromeDriverService service;
    private final ChromeDriver driver;

    private Browser(Path profile, ChromeDriverService service, ChromeDriver driver) {
        this.profile = profile;
        this.service = service;
        this.driver = driver;
    }

    /** Skips the calling test (or class) when Chromium or chromedriver is missing, saying how to install them. */
    static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                () -> "Browser tests need Chromium at " + CHROMIUM + " and chromedriver at " + CHROMEDRIVER
                        + " (on Debian/Ubuntu: apt-get install chromium chromium-driver)");
    }

    /**
     * Registered before {@link PlankExtension}, whose before-each starts the server: a test skipped here for want of a
     * browser (reported as skipped, with the reason) costs no server start.
     */
    static final class Installed implements BeforeEachCallback {

        @Override
        public void beforeEach(ExtensionContext context) {
            assumeInstalled();
        }
    }

    /** What a test does with the page. */
    interface Scenario {
        void run(Browser browser) throws Exception;
    }

    /**
     * Runs {@code scenario} in a fresh browser. If it fails, the page as it was is left at {@code target/NAME.png} (and
     * its DOM at {@code .html}) and the log says so.
     */
    static void run(String name, Scenario scenario) throws Exception {
        try (Browser browser = start()) {
            try {
                scenario.run(browser);
            } catch (Exception | Error failure) {
                try {
                    Path png = browser.saveScreenshot(Path.of("target", name));
                    LOG.warning(() -> "The page at the failure: " + png.toAbsolutePath() + " (and .html beside it)");
                } catch (Exception screenshotFailed) {
                    failure.addSuppressed(screenshotFailed);
                }
                throw failure;
            }
        }
    }

    static Browser start() {
        Path profile;
        try {
            profile = Files.createTempDirectory("plank-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The driver's path given here (not found by Selenium Manager) and the browser's in the options: nothing to
        // look up, nothing to download.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1100,900");
        try {
            return new Browser(profile, service, new ChromeDriver(service, options));
        } catch (RuntimeException e) {
            service.stop();
            deleteTree(profile);
            throw e;
        }
    }

    WebDriver driver() {
        return driver;
    }

    /**
     * Waits up to 30 s for {@code condition} to give a value other than null or false, retrying while the page
     * replaces the elements it looked at. At the deadline fails with {@code what} and the {@code evidence} then.
     */
    <T> T await(String what, Function<WebDriver, T> condition, Supplier<String> evidence) {
        return new WebDriverWait(driver, WAIT, POLL)
                .ignoring(StaleElementReferenceException.class)
                .withMessage(() -> what + "\n" + evidence.get())
                .until(condition);
    }

    /** The page as a PNG and its DOM as HTML, at {@code base}.png and {@code base}.html; returns the PNG's path. */
    Path saveScreenshot(Path base) throws IOException {
        Files.createDirectories(base.toAbsolutePath().getParent());
        Path png = base.resolveSibling(base.getFileName() + ".png");
        Files.write(png, driver.getScreenshotAs(OutputType.BYTES));
        Files.writeString(base.resolveSibling(base.getFileName() + ".html"), driver.getPageSource());
        return png;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // A profile left in the temporary directory is harmless.
        }
    }
}
