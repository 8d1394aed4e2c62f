package dev.rampart.server;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.OperatingSystemMXBean;
import com.sun.management.VMOption;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

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

    private static final String DIRECT_LIMIT_FLAG = "-XX:MaxDirectMemorySize=";
    /** The variables the JVM takes options from besides its command line. */
    private static final List<String> OPTION_VARIABLES = List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    /**
     * This JVM's; one that tells nothing (a JVM without HotSpot's management beans or options) is taken to have had
     * its direct-memory limit set, so that {@link NettyDefaults} leaves the JVM's own default in place.
     */
    static JvmMemory ofThisJvm() {
        // The beans cost some 40 ms of a start (the management framework's own start): not paid when the flag is
        // seen where the operator writes it. Where it is not seen (an @argfile, -XX:VMOptionsFile), the beans tell.
        if (directLimitGiven(commandLine(), System.getenv())) {
            return new JvmMemory(Runtime.getRuntime().maxMemory(), 0, true);
        }
        try {
            return fromBeans();
        } catch (RuntimeException | LinkageError e) {
            return new JvmMemory(Runtime.getRuntime().maxMemory(), 0, true);
        }
    }

    /**
     * This process's command line, read from {@code /proc/self/cmdline} (some 3 ms; {@link ProcessHandle}'s
     * {@code info()} took 12 to 50); empty where there is no such file, and the beans then tell.
     */
    static List<String> commandLine() {
        try {
            return List.of(new String(Files.readAllBytes(Path.of("/proc/self/cmdline")), StandardCharsets.UTF_8)
                    .split("\0"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** What HotSpot's management beans say; throws where it has none. */
    static JvmMemory fromBeans() {
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

    /**
     * Whether {@code -XX:MaxDirectMemorySize} is among {@code arguments} (the command line's) or
     * in one of the variables of {@code environment} the JVM takes options from.
     */
    static boolean directLimitGiven(List<String> arguments, Map<String, String> environment) {
        if (arguments.stream().anyMatch(a -> a.startsWith(DIRECT_LIMIT_FLAG))) {
            return true;
        }
        for (String variable : OPTION_VARIABLES) {
            String options = environment.get(variable);
            if (options != null && WHITESPACE.splitAsStream(options).anyMatch(o -> o.startsWith(DIRECT_LIMIT_FLAG))) {
                return true;
            }
        }
        return false;
    }
}
