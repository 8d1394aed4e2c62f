package dev.rampart.server.admin;

/**
 * One endpoint breaker as {@code GET /admin/breakers} shows it. Built by whoever owns the breakers; the
 * admin server only renders it, as {@code {"upstream":…,"endpoint":…,"state":…,"failure_rate":…,
 * "calls_in_window":…,"seconds_to_half_open":…,"health":…,"backup":…}}.
 *
 * @param state             {@code closed}, {@code half_open} or {@code open}
 * @param failureRate       percent (0–100) of failed calls in the window; NaN (shown as null) when there
 *                          were none
 * @param callsInWindow     calls recorded in the sliding window
 * @param secondsToHalfOpen seconds until an open breaker lets probes through; 0 when not open
 * @param health            the active health check's verdict: {@code healthy}, {@code unhealthy}, or
 *                          {@code unchecked} when the upstream has no {@code health-check}
 * @param backup            whether the endpoint is one of its upstream's backups ({@code backup = true}),
 *                          taking requests only when no other endpoint can: an open primary matters more
 */
public record BreakerView(
        String upstream,
        String endpoint,
        String state,
        double failureRate,
        int callsInWindow,
        long secondsToHalfOpen,
        String health,
        boolean backup) {
}
