package dev.rampart.core.proxy;

import dev.rampart.core.config.HeaderRules;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.config.RouteConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One request header as the upstream gets it, for the route features keyed by a header or a cookie
 * ({@code rate-limit} with {@code per = header}, {@code consistent-hash} and a canary's {@code sticky}): a claim
 * header holds the claim of the verified token, a name the route's {@code request-headers} set or remove holds
 * what the rule leaves, and one the client names in {@code Connection} is dropped. Read from the client's head
 * instead, a client would choose its own bucket, endpoint or side by sending the header the proxy then replaces,
 * while the upstream saw the proxy's value. {@code Host} is the client's: the upstream's is the endpoint's unless
 * {@code preserve-host}, and keying by it means the client's. (Nothing may be keyed by the headers the proxy
 * sets from the client's claims, such as {@code X-Forwarded-For}: the config refuses them, {@code ProxySetHeaders}.)
 */
final class UpstreamFieldView {

    private UpstreamFieldView() {
    }

    /**
     * The lines the upstream gets under {@code name} (its other spellings, {@code _} for {@code -}, included), as
     * lines of {@code name} alone.
     *
     * @param claims the claim headers the route's {@code jwt} found in the request's token
     */
    static HttpHeaders of(RouteConfig route, List<Map.Entry<String, String>> claims, HttpHeaders client,
                          String name) {
        String spelling = HeaderRules.spelling(name);
        HttpHeaders view = new FieldList();
        JwtConfig jwt = route.jwt().orElse(null);
        if (jwt != null && ClaimHeaders.isClaimHeader(jwt, spelling)) {
            for (Map.Entry<String, String> claim : claims) {
                if (HeaderRules.spelling(claim.getKey()).equals(spelling)) {
                    view.add(name, claim.getValue());
                }
            }
            return view; // only the token's claim, whatever the client sent
        }
        HeaderRules rules = route.requestHeaders();
        if (!RouteHeaders.removedOrSet(rules, spelling)) {
            copyEndToEndLines(client, spelling, name, view);
        }
        rules.set().forEach((setName, value) -> addIfNamed(view, setName, spelling, name, value));
        rules.add().forEach((addedName, value) -> addIfNamed(view, addedName, spelling, name, value));
        return view;
    }

    private static void copyEndToEndLines(HttpHeaders client, String spelling, String name, HttpHeaders view) {
        if (spelling.equals("host")) {
            client.getAll(HttpHeaderNames.HOST).forEach(host -> view.add(name, host));
            return;
        }
        ConnectionNames connection = ConnectionNames.of(client);
        Iterator<Map.Entry<CharSequence, CharSequence>> it = client.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = it.next();
            CharSequence present = field.getKey();
            if (HeaderRules.spelling(present.toString()).equals(spelling)
                    && ForwardedHeaders.crossesTheProxy(present, connection)) {
                view.add(name, field.getValue());
            }
        }
    }

    private static void addIfNamed(HttpHeaders view, String ruleName, String spelling, String name, String value) {
        if (HeaderRules.spelling(ruleName).equals(spelling)) {
            view.add(name, value);
        }
    }
}
