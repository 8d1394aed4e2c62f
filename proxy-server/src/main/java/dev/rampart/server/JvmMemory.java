package dev.rampart.server;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.OperatingSystemMXBean;
import com.sun.management.VMOption;

import java.lang.management.ManagementFactory;

/**
 * What the JVM was given to work with, for {@link NettyDefaults}' choice of a direct-memory limit.
 *
 * @param heapCeiling the heap's maximum ({@code -Xmx}, or the {@code MaxRAMPercentage} share the JVM chose)
 * @param memory the memory the JVM sizes itself by: the container's limit, else the machine's; or
 *     {@code -XX:MaxRAM} when that is smaller (the JVM takes {@code MaxRAM} as given even above the machine's
 *     memory: the smaller of the two is the safer share)
 * @param directLimitSet whether {@code -XX:MaxDirectMemorySize} was given (on the command line or in
 *     {@code JDK_JAVA_OPTIONS})
 */
record JvmMemory(long heapCeiling, long memory, boolean directLimitSet) {

    /**
     * This JVM's; one that tells nothing (a JVM without HotSpot's management beans or options) is taken to have had
     * its direct-memory limit set, so that {@link NettyDefaults} leaves the JVM's own default in place.
     */
    static JvmMemory ofThisJvm() {
        try {
            return read();
        } catch (RuntimeException | LinkageError e) {
            return new JvmMemory(Runtime.getRuntime().maxMemory(), 0, true);
        }
    }

    private static JvmMemory read() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        // Container-aware since JDK 14 (JDK-8226575): a cgroup's memory limit, not the host's RAM.
        long memory = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class).getTotalMemorySize();
        VMOption maxRam = vm.getVMOption("MaxRAM");
        if (maxRam.getOrigin() != VMOption.Origin.DEFAULT) {
            memory = Math.min(memory, Long.parseLong(maxRam.getValue()));
        }
        boolean directLimitSet = vm.getVMOption("MaxDirectMemorySize").getOrigin() != VMOption.Origin.DEFAULT;
        return new JvmMemory(Runtime.getRuntime().maxMemory(), memory, directLimitSet);
    }
}
