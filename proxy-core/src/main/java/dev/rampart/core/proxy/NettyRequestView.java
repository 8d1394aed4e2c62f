package dev.rampart.core.proxy;

import dev.rampart.core.routing.RequestView;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/** Lets the router look at a Netty request head without copying it. */
final class NettyRequestView implements RequestView {

    private final HttpRequest request;
    private String path;

    NettyRequestView(HttpRequest request) {
        this.request = request;
    }

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String host() {
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null) {
            String uri = request.uri();
            int scheme = uri.indexOf("://");
            if (scheme > 0) {
                int start = scheme + 3;
                int end = uri.indexOf('/', start);
                return end < 0 ? uri.substring(start) : uri.substring(start, end);
            }
        }
        return host;
    }

    @Override
    public String path() {
        if (path == null) {
            String uri = request.uri();
            int scheme = uri.indexOf("://");
            if (scheme > 0) {
                int slash = uri.indexOf('/', scheme + 3);
                uri = slash < 0 ? "/" : uri.substring(slash);
            }
            path = ExchangeOutcome.pathOf(RequestTarget.routingForm(uri));
        }
        return path;
    }

    @Override
    public String header(String lowerCaseName) {
        return request.headers().get(lowerCaseName);
    }
}
