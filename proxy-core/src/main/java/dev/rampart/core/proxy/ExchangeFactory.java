package dev.rampart.core.proxy;

import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.routing.Route;
import dev.rampart.core.tls.ClientCertificateHeader;
import dev.rampart.core.upstream.Upstream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

import java.util.List;
import java.util.Map;

/**
 * Makes the {@link Exchange} for a routed request: the head the upstream gets (headers copied once, the
 * path rewritten, Host as the route says, a WebSocket upgrade kept) and what the body will be. Kept apart
 * from the exchange, which runs the request, so that this decides only what is sent.
 */
final class ExchangeFactory {

    private ExchangeFactory() {
    }

    /**
     * @param declaredLength the head's {@code Content-Length}, 0 when it has none (a chunked body, or no body)
     * @param target         where {@code route} sends the request (see {@link UpstreamTarget})
     * @param claimHeaders   what the route's {@code jwt} found in the request's token for the upstream
     * @param clientIp       the address the request comes from (see {@link RealClient})
     * @param peerIp         the connection's peer, which {@code X-Forwarded-For} gets
     */
    static Exchange forRoute(ClientRequestHandler client, ChannelHandlerContext ctx, ProxySnapshot snapshot,
                             HttpRequest head, long declaredLength, ExchangeOutcome outcome, Route route,
                             UpstreamTarget target, List<Map.Entry<String, String>> claimHeaders, String clientIp,
                             String peerIp, String scheme) {
        RouteConfig rc = route.config();
        String upstreamName = CanarySplit.upstreamOf(rc, claimHeaders, head.headers(), target.routed(), clientIp);
        if (rc.canary().isPresent()) {
            outcome.route(route.name(), upstreamName); // the side this request was given, for the log and metrics
        }
        Upstream upstream = snapshot.upstream(upstreamName);
        boolean chunked = HttpUtil.isTransferEncodingChunked(head);
        long contentLength = chunked ? -1 : declaredLength;
        // Unless it is the client's, the Host is the authority of the endpoint each attempt goes to; the
        // first endpoint's stands in until one is chosen.
        String preservedHost = ForwardedHeaders.preservedHost(head, rc.preserveHost());
        String host = preservedHost != null ? preservedHost : upstream.endpoints().get(0).hostHeader();
        HttpRequest template = ForwardedHeaders.originRequest(head, target.forUpstream(), host,
                snapshot.requestIdHeader(), outcome.requestId(), clientIp, peerIp, scheme, contentLength,
                target.removedPrefix(), "https".equals(scheme) ? ClientCertificateHeader.of(ctx.channel()) : null);
        outcome.traceparent(template.headers().get(ForwardedHeaders.TRACEPARENT));
        RouteHeaders.applyToRequest(rc.requestHeaders(), template.headers());
        rc.jwt().ifPresent(jwt -> ClaimHeaders.apply(jwt, claimHeaders, template.headers()));
        boolean upgrade = WebSocketUpgrade.requested(head);
        if (upgrade) {
            WebSocketUpgrade.forward(template);
        }
        long balancingKey = BalancingKey.of(upstream, rc, claimHeaders, head.headers(), target.routed(), clientIp);
        return new Exchange(client, ctx, snapshot, head, outcome, route, upstream, template,
                chunked || contentLength > 0, upgrade, preservedHost == null, balancingKey);
    }
}
