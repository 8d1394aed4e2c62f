package dev.rampart.core.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.Locale;

/**
 * The socket transport, chosen once at start. Client and origin channels share the same event loops, so both
 * use the same transport; so does the DNS resolver's datagram channel.
 *
 * <p>By default epoll, else NIO where epoll's native library does not load. io_uring is chosen only by name
 * ({@code -Drampart.transport=io_uring}): it served ×1.03 to ×1.34 epoll's proxied requests per second on the
 * same machine, with less CPU per request, depending on the hour (docs/performance.md), but Netty's io_uring transport
 * still loses reads that were asked for in some orders of events, and Rampart asks for every read itself
 * (auto-read is off on both sides): with multishot polls an upstream's reset after part of a body went unseen
 * until a timeout in about one run of three of a test; with one-shot polls a connection closed after a failed
 * TLS handshake stayed open until its client left. {@code -Drampart.transport=auto|epoll|nio} asks for the
 * others; a transport asked for by name that cannot be had stops the start instead of quietly using another.
 */
public record Transport(
        String name,
        IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannelClass,
        Class<? extends SocketChannel> socketChannelClass,
        Class<? extends DatagramChannel> datagramChannelClass) {

    /** The system property that names a transport. */
    public static final String PROPERTY = "rampart.transport";
    /** Netty's choice between multishot and one-shot {@code POLL_ADD} on io_uring, read once, when it loads. */
    public static final String IO_URING_MULTISHOT_POLLS = "io.netty.iouring.pollAddMultishotEnabled";

    static {
        // One-shot polls unless asked otherwise. With Netty's default, multishot polls, io_uring lost the reset of
        // a peer that came right after its last bytes, with a read asked for: a client that sent a request and
        // reset was not seen to leave (its attempt ran to its timeout, was retried, and opened a healthy
        // upstream's breaker), and an upstream that reset after part of a body held the response until a
        // timeout, in about half of such cases each. With one-shot polls neither was missed in any run. Set
        // here because this class is the only way to io_uring, before Netty's IoUring class reads it.
        if (System.getProperty(IO_URING_MULTISHOT_POLLS) == null) {
            System.setProperty(IO_URING_MULTISHOT_POLLS, "false");
        }
    }

    /** The transport the {@value #PROPERTY} system property asks for, else epoll where it loads, else NIO. */
    public static Transport detect() {
        return chosen(System.getProperty(PROPERTY)).transport();
    }

    /**
     * The transport {@code wanted} names ({@code auto}, {@code io_uring}, {@code epoll} or {@code nio}; null or
     * blank is {@code auto}), with why epoll was passed over where it was.
     *
     * @throws IllegalArgumentException when {@code wanted} is no transport's name or names one this kernel refuses
     */
    public static Choice chosen(String wanted) {
        String name = wanted == null || wanted.isBlank() ? "auto" : wanted.trim().toLowerCase(Locale.ROOT);
        switch (name) {
            case "auto":
                if (Epoll.isAvailable()) {
                    return new Choice(epoll(), null);
                }
                return new Choice(nio(), "epoll unavailable: " + cause(Epoll.unavailabilityCause()));
            case "io_uring":
                requireAvailable("io_uring", IoUring.unavailabilityCause());
                return new Choice(ioUring(), null);
            case "epoll":
                requireAvailable("epoll", Epoll.unavailabilityCause());
                return new Choice(epoll(), null);
            case "nio":
                return new Choice(nio(), null);
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + wanted
                        + " names no transport: use auto, io_uring, epoll or nio");
        }
    }

    /** Whether this kernel lets Netty use io_uring. */
    public static boolean ioUringAvailable() {
        return IoUring.isAvailable();
    }

    /** Whether this kernel lets Netty use epoll. */
    public static boolean epollAvailable() {
        return Epoll.isAvailable();
    }

    /** The portable NIO transport. */
    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class,
                NioDatagramChannel.class);
    }

    /** Linux's epoll; only where {@link Epoll#isAvailable()}. */
    public static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                EpollSocketChannel.class, EpollDatagramChannel.class);
    }

    /** Linux's io_uring; only where {@link IoUring#isAvailable()}. */
    public static Transport ioUring() {
        return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                IoUringSocketChannel.class, IoUringDatagramChannel.class);
    }

    /** An event loop group of this transport with {@code threads} loops. */
    public EventLoopGroup newEventLoopGroup(int threads, String threadNamePrefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadNamePrefix, true),
                ioHandlerFactory);
    }

    private static void requireAvailable(String name, Throwable unavailability) {
        if (unavailability != null) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + name + " asks for the " + name
                    + " transport, which is unavailable here: " + cause(unavailability));
        }
    }

    private static String cause(Throwable unavailability) {
        Throwable root = unavailability;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /**
     * A transport and, when it is NIO though epoll was wanted, why epoll was passed over (for the start-up line);
     * {@code passedOver} is null otherwise.
     */
    public record Choice(Transport transport, String passedOver) {
    }
}
