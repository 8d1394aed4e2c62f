package dev.rampart.core.config;

/**
 * How requests are identified ({@code rampart.request-id}).
 *
 * @param header        the header that carries the id both ways
 * @param trustIncoming keep a well-formed incoming id instead of generating one
 */
public record RequestIdConfig(String header, boolean trustIncoming) {
}
