package dev.rampart.server;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** URL reads get timeouts unless the operator chose their own. */
class UrlReadDefaultsTest {

    @Test
    void urlConnectionsGetTenSecondTimeouts() {
        Properties properties = new Properties();
        UrlReadDefaults.apply(properties);
        assertEquals("10000", properties.getProperty("sun.net.client.defaultConnectTimeout"));
        assertEquals("10000", properties.getProperty("sun.net.client.defaultReadTimeout"));
    }

    @Test
    void anOperatorsOwnTimeoutIsKept() {
        Properties properties = new Properties();
        properties.setProperty("sun.net.client.defaultReadTimeout", "2500");
        UrlReadDefaults.apply(properties);
        assertEquals("2500", properties.getProperty("sun.net.client.defaultReadTimeout"));
        assertEquals("10000", properties.getProperty("sun.net.client.defaultConnectTimeout"));
    }
}
