package dev.rampart.core.config;

import java.util.Optional;

/**
 * A direct response, for routes with no upstream ({@code rampart.routes[i].respond}).
 *
 * @param location where a redirect sends the client ({@code Location}): an absolute http(s) URL, whose host may be
 *                 {@value #REQUEST_HOST} for the request's own, or a path; empty for an answer that is no redirect
 * @param keepPath whether the request's path and query (as the route's rewrite leaves them) follow the location
 */
public record RespondConfig(int status, String body, String contentType, Optional<String> location, boolean keepPath) {

    /** In a location's host: the host the request named ({@code Host}, without its port), as nginx's {@code $host}. */
    public static final String REQUEST_HOST = "{host}";

    /** Whether a response of {@code status} never has content (RFC 9110 §6.4.1: 204, 205 and 304). */
    public static boolean hasNoContent(int status) {
        return status == 204 || status == 205 || status == 304;
    }

    /** An answer that is no redirect. */
    public RespondConfig(int status, String body, String contentType) {
        this(status, body, contentType, Optional.empty(), false);
    }
}
