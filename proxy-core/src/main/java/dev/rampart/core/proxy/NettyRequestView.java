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
        return request.headers().get(HttpHeaderNames.HOST);
    }

    /** The path of the origin-form target ({@code ClientRequestHandler} has set it): never of the query. */
    @Override
    public String path() {
        if (path == null) {
            path = ExchangeOutcome.pathOf(RequestTarget.routingForm(request.uri()));
        }
        return path;
    }

    @Override
    public String header(String lowerCaseName) {
        java.util.List<String> lines = request.headers().getAll(lowerCaseName);
        return lines.isEmpty() ? null : lines.size() == 1 ? lines.get(0) : String.join(", ", lines);
    }
}
