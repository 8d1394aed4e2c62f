package dev.rampart.core.config;

/** How a request picks among an upstream's endpoints. */
public enum LoadBalancing {
    ROUND_ROBIN("round-robin"),
    LEAST_REQUEST("least-request"),
    RANDOM("random"),
    /**
     * The endpoint a key of the request (see {@link ConsistentHashConfig}) falls on, on a hash ring of the
     * endpoints (nginx's {@code hash ... consistent}, Envoy's {@code RING_HASH}).
     */
    CONSISTENT_HASH("consistent-hash");

    private final String configName;

    LoadBalancing(String configName) {
        this.configName = configName;
    }

    /** The spelling used in HOCON. */
    public String configName() {
        return configName;
    }
}
