/**
 * The one error pipeline: the reason catalog ({@link dev.rampart.core.errors.Reason}), the envelope and
 * RFC 9457 renderers, content negotiation, and the RFC 9209 {@code Proxy-Status} value. Plain Java and
 * Jackson's streaming generator; the Netty side turns a {@link dev.rampart.core.errors.RenderedError}
 * into a response. Also here: the rule for which upstream errors are rewritten
 * ({@link dev.rampart.core.errors.UpstreamErrorPolicy}) and the generator of {@code docs/errors.md}.
 * Depends on {@code dev.rampart.core.config} and jackson-core only; nothing here knows about Netty.
 */
package dev.rampart.core.errors;
