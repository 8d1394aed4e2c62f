package dev.rampart.core.config;

import java.time.Duration;

/** Exponential backoff between attempts ({@code retry.backoff}). */
public record BackoffConfig(Duration initial, Duration max, double multiplier, Jitter jitter) {

    /** How randomness is mixed into a backoff delay. */
    public enum Jitter {
        /** Uniform in [0, d]. */
        FULL("full"),
        /** d/2 plus uniform in [0, d/2]. */
        EQUAL("equal"),
        /** Exactly d. */
        NONE("none");

        private final String configName;

        Jitter(String configName) {
            this.configName = configName;
        }

        /** The spelling used in HOCON. */
        public String configName() {
            return configName;
        }
    }
}
