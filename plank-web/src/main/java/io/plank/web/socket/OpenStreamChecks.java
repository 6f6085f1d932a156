package io.plank.web.socket;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Once a second, open streams are held against the catalog and the stored access rules even when no notice came:
 * a database where Plank's event trigger could not be made, rules changed while this instance was not listening.
 */
@ApplicationScoped
public class OpenStreamChecks {

    private static final Logger LOG = Logger.getLogger(OpenStreamChecks.class.getName());
    private static final long SECONDS = 1;

    @Inject
    CatalogWatch catalog;

    @Inject
    AccessWatch access;

    // By lookup name: the bean may be created on the listener's thread, outside this WAR's naming context.
    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService scheduler;

    private ScheduledFuture<?> checks;

    @PostConstruct
    void init() {
        checks = scheduler.scheduleWithFixedDelay(() -> {
            catalog.quietCheck();
            access.checkIfChanged();
        }, SECONDS, SECONDS, TimeUnit.SECONDS);
    }

    /** Created with the application, not by the first event. */
    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        LOG.fine("Open stream checks ready");
    }

    @PreDestroy
    void stop() {
        if (checks != null) {
            checks.cancel(false);
        }
    }
}
