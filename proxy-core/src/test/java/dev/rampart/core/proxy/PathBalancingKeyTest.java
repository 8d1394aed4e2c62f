package dev.rampart.core.proxy;

import dev.rampart.core.config.ConsistentHashConfig;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A {@code consistent-hash} keyed by path: the routed path without its query, so one resource stays on one endpoint. */
class PathBalancingKeyTest {

    private static final ConsistentHashConfig BY_PATH = new ConsistentHashConfig(ConsistentHashConfig.Key.PATH, Optional.empty());

    private static String key(String routedPath) {
        return BalancingKey.text(BY_PATH, null, List.of(), new DefaultHttpHeaders(), routedPath, "10.0.0.1");
    }

    @Test
    void thePathKeyIsThePathWithoutItsQuery() {
        assertEquals("/videos/42", key("/videos/42?t=10"));
        assertEquals("/videos/42", key("/videos/42"));
        assertEquals("/", key("/?a=1"));
    }
}
