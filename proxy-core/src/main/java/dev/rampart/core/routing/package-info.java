/**
 * Route matching and path rewriting: {@link dev.rampart.core.routing.Router} compiles the configured
 * routes once into host-bucketed candidate lists and answers {@code match} per request without Netty
 * types and, in the common case, without allocating. Depends on {@code dev.rampart.core.config} only.
 */
package dev.rampart.core.routing;
