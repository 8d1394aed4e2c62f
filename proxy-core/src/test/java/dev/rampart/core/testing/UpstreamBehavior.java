package dev.rampart.core.testing;

/**
 * How a fake upstream answers one request. Implementations run on the fake's event loop and act on the
 * {@link UpstreamReply} they are given.
 */
@FunctionalInterface
public interface UpstreamBehavior {

    void respond(RecordedRequest request, UpstreamReply reply);

    /** 200 with a text body. */
    static UpstreamBehavior ok(String body) {
        return (req, reply) -> reply.send(200, "text/plain", body);
    }

    /** 200 echoing the request body back, with its hash and length in headers. */
    static UpstreamBehavior echo() {
        return (req, reply) -> reply.echo();
    }

    /** {@code status} with a body for the first {@code times} requests, then {@code then}. */
    static UpstreamBehavior failTimes(int times, int status, UpstreamBehavior then) {
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        return (req, reply) -> {
            if (seen.incrementAndGet() <= times) {
                reply.send(status, "text/plain", "failure " + seen.get());
            } else {
                then.respond(req, reply);
            }
        };
    }

    /** Never answers. */
    static UpstreamBehavior hang() {
        return (req, reply) -> { };
    }

    /** Closes the connection with a TCP reset before any response byte. */
    static UpstreamBehavior resetBeforeHead() {
        return (req, reply) -> reply.reset();
    }

    /** Writes {@code response} as raw bytes, bypassing the codec: for malformed or ambiguous responses. */
    static UpstreamBehavior raw(String response) {
        return (req, reply) -> reply.raw(response);
    }

    /** Answers with bytes that are not HTTP at all, then closes. */
    static UpstreamBehavior garbage() {
        return (req, reply) -> {
            reply.raw("\u0016\u0003\u0001 this is not an HTTP response \r\n\r\n");
            reply.after(20, reply::close);
        };
    }

    /** A complete, valid response whose bytes arrive {@code bytesPerTick} at a time every {@code tickMillis}. */
    static UpstreamBehavior trickle(String body, int bytesPerTick, long tickMillis) {
        String response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body;
        return (req, reply) -> reply.rawTrickle(response, bytesPerTick, tickMillis);
    }

    /** A head promising {@code declared} bytes, {@code sent} of them, then a TCP reset. */
    static UpstreamBehavior resetMidBody(int declared, int sent) {
        return (req, reply) -> reply.resetMidBody(declared, sent);
    }

    /**
     * Answers the first request on each connection with {@code first} and keeps the connection open, then
     * closes the connection without a word when a second request arrives on it: a keep-alive connection
     * that the server dropped at the very moment the proxy reused it. The second request was received.
     */
    static UpstreamBehavior closeOnReuse(UpstreamBehavior first) {
        java.util.Set<Long> used = java.util.concurrent.ConcurrentHashMap.newKeySet();
        return (req, reply) -> {
            if (used.add(req.connectionId())) {
                first.respond(req, reply);
            } else {
                reply.close();
            }
        };
    }
}
