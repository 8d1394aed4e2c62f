package dev.rampart.core.proxy;

import dev.rampart.core.config.RegexBudget;
import dev.rampart.core.routing.RequestView;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/** Lets the router look at a Netty request head without copying it. */
final class NettyRequestView implements RequestView {

    private final HttpRequest request;
    private final RegexBudget regexBudget;
    private String path;

    NettyRequestView(HttpRequest request) {
        this.request = request;
        this.regexBudget = new RegexBudget();
    }

    /**
     * The same request with another path to route by (see {@link AmbiguousPaths}), its regexes spending what is
     * left of the request's budget.
     */
    NettyRequestView(NettyRequestView view, String path) {
        this.request = view.request;
        this.regexBudget = view.regexBudget;
        this.path = path;
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
    public boolean headerHas(String lowerCaseName, String value) {
        for (String line : request.headers().getAll(lowerCaseName)) {
            if (line.equals(value)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public RegexBudget regexBudget() {
        return regexBudget;
    }
}
