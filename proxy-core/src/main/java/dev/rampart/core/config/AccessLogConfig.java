package dev.rampart.core.config;

/** One JSON line per request on stdout when enabled ({@code rampart.access-log}). */
public record AccessLogConfig(boolean enabled) {
}
