/** Plank's metrics for Prometheus ({@code /api/metrics}), from the same sources as the status resource. */
package io.plank.web.metrics;
