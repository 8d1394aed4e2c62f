/**
 * The one error pipeline: the reason catalog ({@link dev.rampart.core.errors.Reason}), the envelope and
 * RFC 9457 renderers, content negotiation, and the RFC 9209 {@code Proxy-Status} value. Plain Java and
 * Jackson's streaming generator; the Netty side turns a {@link dev.rampart.core.errors.RenderedError}
 * into a response.
 */
package dev.rampart.core.errors;
