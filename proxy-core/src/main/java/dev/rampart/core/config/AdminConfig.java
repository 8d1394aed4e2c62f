package dev.rampart.core.config;

/** The admin listener ({@code rampart.admin}); loopback unless configured otherwise. */
public record AdminConfig(String host, int port) {
}
