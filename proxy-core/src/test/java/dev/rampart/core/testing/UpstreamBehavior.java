package dev.rampart.core.testing;

/**
 * How a fake upstream answers one request. Implementations run on the fake's event loop and act on the
 * {@link FakeUpstream.Reply} they are given.
 */
@FunctionalInterface
public interface UpstreamBehavior {

    void respond(RecordedRequest request, FakeUpstream.Reply reply);

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
}
