package dev.rampart.core.config;

/** The failures a route may retry ({@code retry.on}). */
public enum RetryOn {
    /** Refused, connect timeout, unreachable: nothing was sent, so any method may retry. */
    CONNECT_FAILURE("connect-failure"),
    /** Connection closed or reset before the response head. */
    RESET("reset"),
    /** No response head within {@code per-try-timeout}. */
    TIMEOUT("timeout"),
    /** 502, 503, 504. */
    GATEWAY_ERROR("gateway-error"),
    /** Any 5xx except 501. */
    SERVER_ERROR("5xx"),
    /** The statuses of {@code retry.status-codes}. */
    STATUS_CODES("status-codes");

    private final String configName;

    RetryOn(String configName) {
        this.configName = configName;
    }

    /** The spelling used in HOCON. */
    public String configName() {
        return configName;
    }
}
