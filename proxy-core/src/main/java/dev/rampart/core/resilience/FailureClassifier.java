package dev.rampart.core.resilience;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.ssl.SslClosedEngineException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what Netty and the JDK raise into a {@link FailureKind}. Transports disagree on exception
 * types (NIO throws {@code ConnectException}, epoll a native one wrapped in Netty's annotated one,
 * ENETUNREACH arrives as a plain {@code ConnectException} on epoll and a {@code SocketException} on
 * NIO), so rules look at the whole cause chain and, where the type says too little, at the OS error
 * phrase ({@code "Connection refused"}, {@code "Network is unreachable"}). Phrases contain spaces, so
 * they cannot be confused with the host name that annotated exceptions append.
 *
 * <p>A {@code ConnectException} alone does not mean the endpoint refused: NIO raises it only for
 * ECONNREFUSED (EACCES and EINVAL arrive as other {@code SocketException}s), but Netty's epoll and
 * io_uring transports raise it for every errno but the two unreachable ones, naming the errno in the
 * message ({@code "connect(..) failed with error(-13): Permission denied"}). A local route of type
 * {@code prohibit} (EACCES) or {@code blackhole} (EINVAL, as Calico installs for a node's pod range, so
 * a deleted pod's address meets it) refuses nothing at the endpoint, so such an errno is
 * {@link FailureKind#UNREACHABLE}, as NIO classifies it. The errno number is read rather than its
 * phrase: the phrase is the C library's, in the process's locale.
 *
 * <p>Rules are tried in order and each looks at the whole chain, so the most specific rule wins
 * wherever in the chain its exception sits: a {@code DecoderException} wrapping an
 * {@code SSLHandshakeException} is a handshake failure, not a malformed response.
 */
public final class FailureClassifier {

    private static final int MAX_CHAIN = 32;

    /** ECONNREFUSED on Linux (the generic errno table, which every architecture Netty's native transports ship for uses). */
    private static final int ECONNREFUSED = 111;

    /** How Netty's native transports name the errno of a failed connect: {@code "connect(..) failed with error(-13): ..."}. */
    private static final Pattern NATIVE_ERRNO = Pattern.compile("failed with error\\(-(\\d{1,4})\\)");

    private FailureClassifier() {
    }

    /**
     * Classifies a failure to establish the connection (TCP connect, and the TLS handshake for
     * {@code https://} endpoints). Never fails: a connect that failed for a reason not recognised
     * here is {@link FailureKind#UNREACHABLE}, which is true and safe to retry (nothing was sent).
     */
    public static FailureKind classifyConnectFailure(Throwable cause) {
        Checks.checkNotNull(cause, "cause");
        if (anyInChain(cause, FailureClassifier::isConnectTimeout)) {
            return FailureKind.CONNECT_TIMEOUT;
        }
        if (anyInChain(cause, FailureClassifier::isUnreachable)) {
            return FailureKind.UNREACHABLE;
        }
        if (anyInChain(cause, FailureClassifier::isRefusal)) {
            return FailureKind.CONNECT_REFUSED;
        }
        return FailureKind.UNREACHABLE;
    }

    /**
     * Classifies a failure on an established upstream connection before a usable response head
     * (a failure after the head is not retryable anyway and only matters to the breaker).
     *
     * <p>A response that Netty's HTTP decoder marked as failed arrives as a message with a failed
     * {@code DecoderResult}, not as an exception: that is {@link FailureKind#BAD_RESPONSE} without
     * asking here. A per-try timer the exchange schedules itself is {@link FailureKind#TIMEOUT}.
     *
     * @return empty when the throwable is not an upstream failure at all (a {@code RuntimeException}
     *         from a bug in the proxy): the exchange should answer {@code INTERNAL_ERROR} and log it,
     *         not blame the upstream or retry
     */
    public static Optional<FailureKind> classifyTransportFailure(Throwable cause) {
        Checks.checkNotNull(cause, "cause");
        if (anyInChain(cause, FailureClassifier::isConnectShaped)) {
            return Optional.of(classifyConnectFailure(cause));
        }
        if (anyInChain(cause, t -> t instanceof SslHandshakeTimeoutException)) {
            return Optional.of(FailureKind.CONNECT_TIMEOUT);
        }
        if (anyInChain(cause, t -> t instanceof SSLHandshakeException)) {
            // The TLS session never came up, so the request never left in a form the server could read.
            return Optional.of(FailureKind.UNREACHABLE);
        }
        if (anyInChain(cause, FailureClassifier::isTimeout)) {
            return Optional.of(FailureKind.TIMEOUT);
        }
        if (anyInChain(cause, FailureClassifier::isClosure)) {
            return Optional.of(FailureKind.RESET);
        }
        if (anyInChain(cause, t -> t instanceof DecoderException || t instanceof SSLException)) {
            return Optional.of(FailureKind.BAD_RESPONSE);
        }
        if (anyInChain(cause, t -> t instanceof IOException)) {
            // "Connection reset by peer", "Broken pipe", epoll's NativeIoException, EOF: the peer went away.
            return Optional.of(FailureKind.RESET);
        }
        return Optional.empty();
    }

    /**
     * Whether {@code cause} is the proxy itself out of file descriptors (EMFILE, ENFILE): a local shortage,
     * not the endpoint's failure, so it must not count against the endpoint's breaker.
     */
    public static boolean isLocalResourceExhaustion(Throwable cause) {
        return cause != null && anyInChain(cause, t -> messageContains(t, "too many open files"));
    }

    private static boolean isConnectTimeout(Throwable t) {
        return t instanceof ConnectTimeoutException
                || t instanceof SslHandshakeTimeoutException
                || t instanceof SocketTimeoutException
                || t instanceof ConnectException && messageContains(t, "timed out");
    }

    private static boolean isUnreachable(Throwable t) {
        return t instanceof UnknownHostException
                || t instanceof NoRouteToHostException
                || t instanceof PortUnreachableException
                || t instanceof SSLHandshakeException
                || t instanceof IOException && (messageContains(t, "network is unreachable")
                        || messageContains(t, "no route to host")
                        || messageContains(t, "host is unreachable")
                        || messageContains(t, "host is down")
                        // an IPv6 address for an IPv4 socket (-Djava.net.preferIPv4Stack=true): EAFNOSUPPORT on
                        // epoll, which Netty reports as a ConnectException though nothing refused it
                        || messageContains(t, "address family not supported"));
    }

    /** A {@code ConnectException} that names no native errno (NIO's, the JDK's), or names ECONNREFUSED. */
    private static boolean isRefusal(Throwable t) {
        if (!(t instanceof ConnectException)) {
            return false;
        }
        String message = t.getMessage();
        if (message == null) {
            return true;
        }
        Matcher errno = NATIVE_ERRNO.matcher(message);
        return !errno.find() || Integer.parseInt(errno.group(1)) == ECONNREFUSED;
    }

    private static boolean isConnectShaped(Throwable t) {
        return t instanceof ConnectException
                || t instanceof UnknownHostException
                || t instanceof NoRouteToHostException
                || t instanceof PortUnreachableException;
    }

    private static boolean isTimeout(Throwable t) {
        return t instanceof io.netty.handler.timeout.TimeoutException
                || t instanceof SocketTimeoutException
                || t instanceof TimeoutException;
    }

    private static boolean isClosure(Throwable t) {
        return t instanceof ClosedChannelException
                || t instanceof PrematureChannelClosureException
                || t instanceof SslClosedEngineException;
    }

    private static boolean messageContains(Throwable t, String lowerCasePhrase) {
        String message = t.getMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains(lowerCasePhrase);
    }

    private static boolean anyInChain(Throwable cause, Predicate<Throwable> rule) {
        Throwable t = cause;
        for (int depth = 0; t != null && depth < MAX_CHAIN; depth++) {
            if (rule.test(t)) {
                return true;
            }
            Throwable next = t.getCause();
            if (next == t) {
                break;
            }
            t = next;
        }
        return false;
    }
}
