package dev.rampart.core.config;

/** How a request picks among an upstream's endpoints. */
public enum LoadBalancing {
    ROUND_ROBIN("round-robin"),
    LEAST_REQUEST("least-request"),
    RANDOM("random");

    private final String configName;

    LoadBalancing(String configName) {
        this.configName = configName;
    }

    /** The spelling used in HOCON. */
    public String configName() {
        return configName;
    }
}
