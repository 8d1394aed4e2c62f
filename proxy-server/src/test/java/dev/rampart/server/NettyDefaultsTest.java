package dev.rampart.server;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class NettyDefaultsTest {

    private static final long MIB = 1024 * 1024;
    /** A 24 GiB host and the JVM's default heap ceiling, a quarter of it. */
    private static final JvmMemory BARE_HOST = new JvmMemory(6 * 1024 * MIB, 24 * 1024 * MIB, false);
    /** A 256 MiB container and the image's {@code -XX:MaxRAMPercentage=75}. */
    private static final JvmMemory CONTAINER = new JvmMemory(192 * MIB, 256 * MIB, false);

    @Test
    void leakDetectionIsTurnedOffWhenTheOperatorSaidNothing() {
        Properties properties = new Properties();

        NettyDefaults.apply(properties, () -> BARE_HOST);

        assertEquals("disabled", properties.getProperty(NettyDefaults.LEAK_DETECTION_LEVEL));
    }

    @Test
    void anExplicitLeakDetectionLevelIsKept() {
        Properties properties = new Properties();
        properties.setProperty(NettyDefaults.LEAK_DETECTION_LEVEL, "paranoid");

        NettyDefaults.apply(properties, () -> BARE_HOST);

        assertEquals("paranoid", properties.getProperty(NettyDefaults.LEAK_DETECTION_LEVEL));
    }

    @Test
    void theLegacyPropertyNameCountsAsAnExplicitChoice() {
        Properties properties = new Properties();
        properties.setProperty(NettyDefaults.LEGACY_LEAK_DETECTION_LEVEL, "advanced");

        NettyDefaults.apply(properties, () -> BARE_HOST);

        assertNull(properties.getProperty(NettyDefaults.LEAK_DETECTION_LEVEL));
        assertEquals("advanced", properties.getProperty(NettyDefaults.LEGACY_LEAK_DETECTION_LEVEL));
    }

    @Test
    void theHostsFileIsReadAgainEveryFiveSecondsUnlessTheOperatorSaidOtherwise() {
        Properties fresh = new Properties();
        NettyDefaults.apply(fresh, () -> BARE_HOST);
        assertEquals("5000000000", fresh.getProperty(NettyDefaults.HOSTS_FILE_REFRESH_INTERVAL));

        Properties chosen = new Properties();
        chosen.setProperty(NettyDefaults.HOSTS_FILE_REFRESH_INTERVAL, "0");
        NettyDefaults.apply(chosen, () -> BARE_HOST);
        assertEquals("0", chosen.getProperty(NettyDefaults.HOSTS_FILE_REFRESH_INTERVAL));
    }

    @Test
    void directMemoryIsHeldToFortyPercentOfAContainersMemoryWhereTheHeapCeilingWouldAllowMore() {
        Properties properties = new Properties();

        NettyDefaults.apply(properties, () -> CONTAINER);

        assertEquals(Long.toString((long) (256 * MIB * 0.4)), properties.getProperty(NettyDefaults.MAX_DIRECT_MEMORY));
    }

    @Test
    void directMemoryKeepsTheJvmsDefaultWhereThatIsTheSmaller() {
        Properties properties = new Properties();

        NettyDefaults.apply(properties, () -> BARE_HOST);

        assertNull(properties.getProperty(NettyDefaults.MAX_DIRECT_MEMORY));
    }

    @Test
    void anOperatorsDirectMemoryLimitIsKept() {
        Properties flagGiven = new Properties();
        NettyDefaults.apply(flagGiven, () -> new JvmMemory(CONTAINER.heapCeiling(), CONTAINER.memory(), true));
        assertNull(flagGiven.getProperty(NettyDefaults.MAX_DIRECT_MEMORY), "-XX:MaxDirectMemorySize was given");

        Properties propertyGiven = new Properties();
        propertyGiven.setProperty(NettyDefaults.MAX_DIRECT_MEMORY, "1048576");
        NettyDefaults.apply(propertyGiven, () -> CONTAINER);
        assertEquals("1048576", propertyGiven.getProperty(NettyDefaults.MAX_DIRECT_MEMORY));
    }

    /** Reading the JVM's memory starts its management beans, tens of milliseconds of a start: not for nothing. */
    @Test
    void theJvmsMemoryIsNotReadWhenNettysLimitWasGiven() {
        Properties propertyGiven = new Properties();
        propertyGiven.setProperty(NettyDefaults.MAX_DIRECT_MEMORY, "1048576");
        NettyDefaults.apply(propertyGiven, () -> fail("the JVM's memory was read"));
        assertEquals("1048576", propertyGiven.getProperty(NettyDefaults.MAX_DIRECT_MEMORY));
    }

    @Test
    void nettyTakesItsDirectMemoryItselfUnlessTheOperatorSaidOtherwise() {
        Properties unsaid = new Properties();
        NettyDefaults.apply(unsaid, () -> CONTAINER);
        assertEquals("true", unsaid.getProperty(NettyDefaults.TRY_REFLECTION_SET_ACCESSIBLE));

        Properties said = new Properties();
        said.setProperty(NettyDefaults.TRY_REFLECTION_SET_ACCESSIBLE, "false");
        NettyDefaults.apply(said, () -> CONTAINER);
        assertEquals("false", said.getProperty(NettyDefaults.TRY_REFLECTION_SET_ACCESSIBLE));
    }

    @Test
    void thisJvmsMemoryIsRead() {
        JvmMemory memory = JvmMemory.fromBeans();

        assertEquals(Runtime.getRuntime().maxMemory(), memory.heapCeiling());
        assertTrue(memory.memory() > 0, "memory " + memory.memory());
    }
}
