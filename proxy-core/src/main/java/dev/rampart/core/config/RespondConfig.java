package dev.rampart.core.config;

/** A direct response, for routes with no upstream ({@code rampart.routes[i].respond}). */
public record RespondConfig(int status, String body, String contentType) {
}
