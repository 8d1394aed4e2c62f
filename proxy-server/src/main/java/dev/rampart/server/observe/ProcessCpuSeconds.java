package dev.rampart.server.observe;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * {@code process_cpu_seconds_total}: the CPU time the process has used, under the name and in the unit every
 * Prometheus client library exports it (Go's, Python's, client_java's), so that the usual
 * {@code rate(process_cpu_seconds_total[5m])} panels and alerts work unchanged. Micrometer's own
 * {@code process.cpu.time} counts nanoseconds and comes out as {@code process_cpu_time_ns_total}, which
 * {@code promtool check metrics} rejects (Prometheus wants base units) and no dashboard expects; {@link #NANOSECONDS_COUNTER}
 * keeps it out. Read at scrape time only; not registered on a JVM that cannot tell the process's CPU time.
 */
final class ProcessCpuSeconds implements MeterBinder {

    /** Denies Micrometer's nanosecond counter; configure it before the registry has any meter. */
    static final MeterFilter NANOSECONDS_COUNTER = MeterFilter.deny(id -> id.getName().equals("process.cpu.time"));

    private static final double NANOS_PER_SECOND = 1e9;

    @Override
    public void bindTo(MeterRegistry registry) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof com.sun.management.OperatingSystemMXBean process)
                || process.getProcessCpuTime() < 0) {
            return;
        }
        FunctionCounter.builder("process.cpu", process, p -> p.getProcessCpuTime() / NANOS_PER_SECOND)
                .description("CPU time used by the process")
                .baseUnit("seconds")
                .register(registry);
    }
}
