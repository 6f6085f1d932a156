package io.plank.persistence.changelog;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * How long the change log keeps changes: {@code plank.log.retention-minutes} (default a day) and at most
 * {@code plank.log.max-rows} entries (default a million). Read in one place for the pruner that applies it and the
 * status that shows it.
 */
@ApplicationScoped
public class Retention {

    @Inject
    @ConfigProperty(name = "plank.log.retention-minutes", defaultValue = "1440")
    long retentionMinutes;

    @Inject
    @ConfigProperty(name = "plank.log.max-rows", defaultValue = "1000000")
    long maxRows;

    public long retentionMinutes() {
        return retentionMinutes;
    }

    public Duration maxAge() {
        return Duration.ofMinutes(retentionMinutes);
    }

    public long maxRows() {
        return maxRows;
    }
}
