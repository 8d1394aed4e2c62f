package dev.rampart.core.proxy;

/**
 * A listening socket that could not be bound: {@code cannot listen on host:port: why}. Apart from the other reasons
 * a start fails, so that the start can name the key it comes from and where that is written, as {@code --check}
 * names a host it could not listen on.
 */
public final class CannotListenException extends IllegalStateException {

    private final String on;
    private final String why;
    private final boolean addressNotHere;

    CannotListenException(String host, int port, Throwable cause) {
        this(ProxyListener.hostAndPort(host, port), BindFailure.why(cause, port), BindFailure.addressNotHere(cause),
                cause);
    }

    private CannotListenException(String on, String why, boolean addressNotHere, Throwable cause) {
        super("cannot listen on " + on + ": " + why, cause);
        this.on = on;
        this.why = why;
        this.addressNotHere = addressNotHere;
    }

    /** {@code host:port}. */
    public String on() {
        return on;
    }

    /** Why not, in words. */
    public String why() {
        return why;
    }

    /**
     * Whether the host is the reason (a name that does not resolve, an address of another machine), not the port
     * (in use, below 1024 without the capability).
     */
    public boolean addressNotHere() {
        return addressNotHere;
    }
}
