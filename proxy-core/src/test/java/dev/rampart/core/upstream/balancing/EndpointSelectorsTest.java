package dev.rampart.core.upstream.balancing;

import dev.rampart.core.config.LoadBalancing;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndpointSelectorsTest {

    @ParameterizedTest
    @EnumSource(value = LoadBalancing.class, mode = EnumSource.Mode.EXCLUDE, names = "CONSISTENT_HASH")
    void eachPolicyHasItsSelectorAndWorksWithThreadLocalRandomness(LoadBalancing policy) {
        EndpointSelector selector = EndpointSelectors.of(policy);
        assertEquals(policy.configName(), selector.toString());
        List<TestEndpoint> endpoints = TestEndpoint.count(4);
        endpoints.get(0).eligible = false;
        int[] counts = TestEndpoint.tally(selector, endpoints, 3000);
        assertEquals(0, counts[0]);
        assertEquals(0, counts[4], "never null while some endpoint is eligible");
        for (int i = 1; i < 4; i++) {
            assertTrue(counts[i] > 0, "endpoint " + i + " never chosen");
        }
        assertNull(selector.select(endpoints, e -> false));
    }
}
