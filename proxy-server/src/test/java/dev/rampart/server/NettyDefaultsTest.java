package dev.rampart.server;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class NettyDefaultsTest {

    @Test
    void leakDetectionIsTurnedOffWhenTheOperatorSaidNothing() {
        Properties properties = new Properties();

        NettyDefaults.apply(properties);

        assertEquals("disabled", properties.getProperty(NettyDefaults.LEAK_DETECTION_LEVEL));
    }

    @Test
    void anExplicitLeakDetectionLevelIsKept() {
        Properties properties = new Properties();
        properties.setProperty(NettyDefaults.LEAK_DETECTION_LEVEL, "paranoid");

        NettyDefaults.apply(properties);

        assertEquals("paranoid", properties.getProperty(NettyDefaults.LEAK_DETECTION_LEVEL));
    }

    @Test
    void theLegacyPropertyNameCountsAsAnExplicitChoice() {
        Properties properties = new Properties();
        properties.setProperty(NettyDefaults.LEGACY_LEAK_DETECTION_LEVEL, "advanced");

        NettyDefaults.apply(properties);

        assertNull(properties.getProperty(NettyDefaults.LEAK_DETECTION_LEVEL));
        assertEquals("advanced", properties.getProperty(NettyDefaults.LEGACY_LEAK_DETECTION_LEVEL));
    }

    @Test
    void theHostsFileIsReadAgainEveryFiveSecondsUnlessTheOperatorSaidOtherwise() {
        Properties fresh = new Properties();
        NettyDefaults.apply(fresh);
        assertEquals("5000000000", fresh.getProperty(NettyDefaults.HOSTS_FILE_REFRESH_INTERVAL));

        Properties chosen = new Properties();
        chosen.setProperty(NettyDefaults.HOSTS_FILE_REFRESH_INTERVAL, "0");
        NettyDefaults.apply(chosen);
        assertEquals("0", chosen.getProperty(NettyDefaults.HOSTS_FILE_REFRESH_INTERVAL));
    }
}
