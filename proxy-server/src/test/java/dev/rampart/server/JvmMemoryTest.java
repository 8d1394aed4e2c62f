package dev.rampart.server;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** -XX:MaxDirectMemorySize seen where the operator writes it spares the start the management beans. */
class JvmMemoryTest {

    @Test
    void theDirectLimitFlagIsSeenOnTheCommandLine() {
        assertTrue(JvmMemory.directLimitGiven(List.of("-Xmx256m", "-XX:MaxDirectMemorySize=64m", "-jar", "rampart.jar"),
                Map.of()));
    }

    @Test
    void theDirectLimitFlagIsSeenInEachVariableTheJvmTakesOptionsFrom() {
        for (String variable : List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS")) {
            assertTrue(JvmMemory.directLimitGiven(List.of("-jar", "rampart.jar"),
                    Map.of(variable, "-Xmx256m  -XX:MaxDirectMemorySize=64m")), variable);
        }
    }

    @Test
    void otherFlagsAreNotTheDirectLimit() {
        assertFalse(JvmMemory.directLimitGiven(List.of("-XX:MaxRAMPercentage=75", "-jar", "rampart.jar"),
                Map.of("JDK_JAVA_OPTIONS", "-Dio.netty.leakDetection.level=simple", "HOME", "/root")));
    }

    @Test
    void thisProcesssCommandLineIsReadFromTheProcFileSystem() {
        List<String> commandLine = JvmMemory.commandLine();
        assertTrue(!commandLine.isEmpty() && commandLine.get(0).endsWith("java"), commandLine.toString());
    }
}
