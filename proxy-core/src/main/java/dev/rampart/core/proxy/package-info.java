/**
 * The Netty proxy pipeline: the listener's channel initializer, {@code ClientRequestHandler} (the
 * downstream side, with its {@code ClientConnectionTimers}, the {@code ClientKeepAlive} rules between
 * requests, the {@code ServedRequest} it is serving, the
 * {@code RequestAdmission} that refuses or routes each head (a rate-limited route's bucket is its
 * {@code RateLimitKey}; a route's {@code jwt} checks the {@code RequestToken}, its cookies read as {@code RequestCookies}, whose claims go upstream as
 * {@code ClaimHeaders}), the {@code RealClient} a trusted proxy names, and
 * the {@code ClientAnswers} the proxy gives by itself), the {@code Exchange} that owns one request from head to
 * last byte across attempts (its {@code AttemptLoop} runs the attempts, their {@code AttemptRelay} relays the response, a
 * consistent-hash upstream places it by its {@code BalancingKey}, {@code RetryBookkeeping} answers
 * "retry?", {@code RouteDeadline} judges a late end, {@code EndpointBlame} whether an endpoint is to blame,
 * and {@code ClientResponseWriter} writes what the client
 * gets, gzip-compressed where {@code ResponseCompression} says so, with a route's {@code CorsHeaders}), the request and response validation that
 * refuses ambiguous framing (with {@code RequestHeadGuard} around the decoder for folded header lines,
 * and to hold back what a client sends behind a WebSocket upgrade request until it is answered;
 * {@code OriginHeadScreen} screens what an attempt reads before its final head), the header and response
 * writers, and the {@code WebSocketTunnel} an exchange becomes after a 101. Thin
 * plumbing that asks {@code routing}, {@code resilience} and {@code errors} for every decision. The
 * listener bootstrap lives here too, so end-to-end tests of the pipeline need nothing from the server module.
 */
package dev.rampart.core.proxy;
