package dev.rampart.core.config;

import java.util.Set;

/**
 * How upstream error responses reach the client ({@code rampart.routes[i].errors}).
 *
 * @param rewriteUpstream     status classes turned into the envelope
 * @param rewriteUpstreamJson whether an upstream error body that is already JSON is rewritten too. The key
 *                            is optional and absent means {@code true}: every covered error body is dropped,
 *                            so nothing of the upstream leaks unless an operator asks for it with
 *                            {@code rewrite-upstream-json = false}, which keeps a JSON body as it is.
 */
public record ErrorsConfig(Set<StatusClass> rewriteUpstream, boolean rewriteUpstreamJson) {

    public ErrorsConfig {
        rewriteUpstream = Set.copyOf(rewriteUpstream);
    }

    /** A class of upstream statuses. */
    public enum StatusClass {
        CLIENT_ERROR("4xx"),
        SERVER_ERROR("5xx");

        private final String configName;

        StatusClass(String configName) {
            this.configName = configName;
        }

        /** The spelling used in HOCON. */
        public String configName() {
            return configName;
        }

        /** Whether the status belongs to this class. */
        public boolean contains(int status) {
            return this == CLIENT_ERROR ? status >= 400 && status < 500 : status >= 500 && status < 600;
        }
    }

    /** Whether an upstream response with this status is replaced by the envelope. */
    public boolean rewrites(int status) {
        for (StatusClass c : rewriteUpstream) {
            if (c.contains(status)) {
                return true;
            }
        }
        return false;
    }
}
