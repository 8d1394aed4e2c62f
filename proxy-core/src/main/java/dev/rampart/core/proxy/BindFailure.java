package dev.rampart.core.proxy;

import java.util.regex.Pattern;

/**
 * Why a listening socket could not be bound, as the operator reads it at a failed start: the reason in words, and
 * for the reasons an operator meets most (a port another process holds, a low port without the capability, an
 * address this machine does not have) what to do about it. Netty's native transports put the system call and the
 * errno before the reason ({@code bind(..) failed with error(-98): Address already in use}); NIO gives the reason
 * alone, and the same reason reads the same on every transport.
 */
final class BindFailure {

    private static final Pattern NATIVE_PREFIX = Pattern.compile("^bind\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ");

    private static final String NOT_HERE = "not an address of this machine";
    private static final String CANNOT_ASSIGN = "Cannot assign requested address";

    private BindFailure() {
    }

    /** Whether {@code cause} is the host's doing: a name that does not resolve, an address no interface here has. */
    static boolean addressNotHere(Throwable cause) {
        return cause instanceof java.nio.channels.UnresolvedAddressException
                || cause instanceof java.net.UnknownHostException
                || CANNOT_ASSIGN.equals(reasonOf(cause));
    }

    /** Why binding {@code port} failed with {@code cause}. */
    static String why(Throwable cause, int port) {
        if (cause instanceof java.nio.channels.UnresolvedAddressException
                || cause instanceof java.net.UnknownHostException) { // a listener's name, looked up before the bind
            return "no such host";
        }
        String reason = reasonOf(cause);
        return switch (reason) {
            case "Address already in use" -> "the port is in use: another process listens there (ss -ltnp 'sport = :"
                    + port + "' names it; a proxy still draining holds it until it has stopped)";
            case "Permission denied" -> port > 0 && port < 1024
                    ? "permission denied: a port below 1024 needs root or the CAP_NET_BIND_SERVICE capability (setcap"
                    + " on the java binary, systemd's AmbientCapabilities=, Kubernetes' capabilities.add), or listen on"
                    + " a port above 1023"
                    : "permission denied";
            case CANNOT_ASSIGN -> NOT_HERE + " (" + CANNOT_ASSIGN + ")";
            default -> reason;
        };
    }

    /** The system's reason, without the system call and errno a native transport puts before it. */
    private static String reasonOf(Throwable cause) {
        String said = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        return NATIVE_PREFIX.matcher(said).replaceFirst("");
    }
}
