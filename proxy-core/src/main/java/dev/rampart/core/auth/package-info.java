/**
 * Authentication of requests by the proxy: {@code JwtVerifier} checks a route's bearer tokens (JSON Web Tokens)
 * against its key set, issuer, audiences and the clock, judges its {@code RequiredClaims}, and gives the claims
 * the upstream gets as headers.
 * Signatures are checked by Nimbus JOSE + JWT; verified tokens are remembered (Caffeine) until they expire.
 * Key sets named by a {@code jwks-uri} are fetched and refreshed by {@code RemoteKeySets}, on threads of their
 * own with the JDK's HTTP client, never on an event loop. Depends on {@code dev.rampart.core.config} only.
 */
package dev.rampart.core.auth;
