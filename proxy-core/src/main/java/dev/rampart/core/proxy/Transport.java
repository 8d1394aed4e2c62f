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
 * <p>By default io_uring where the kernel allows it, else epoll, else NIO where neither native library loads (each
 * passed over with its reason, for the start-up line). io_uring served ×1.19 to ×1.34 epoll's proxied requests
 * per second on the same machine, with a quarter to a third less CPU per request (docs/performance.md): its event
 * loop hands reads and writes to the kernel in a ring, one system call per turn. Containers usually refuse it
 * (Docker's and containerd's default seccomp profiles), and get epoll. Netty's io_uring transport is used with
 * one-shot polls ({@link #IO_URING_MULTISHOT_POLLS}): with its multishot ones it lost a peer's reset that came
 * right behind its last bytes. {@code -Drampart.transport=auto|io_uring|epoll|nio} asks for one; a transport
 * asked for by name that cannot be had stops the start instead of quietly using another.
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
    /** Netty's choice between a multishot accept and one accept per request on io_uring, read once, when it loads. */
    public static final String IO_URING_MULTISHOT_ACCEPT = "io.netty.iouring.acceptMultiShotEnabled";

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
        // One accept per request too. A multishot accept stays armed when an accept fails because the process is
        // out of file descriptors: while connections waited in the backlog, the accepting thread took one failure
        // after another, a core's worth (hundreds of thousands a second), and the pause of the listener after a
        // failed accept (AcceptFailures) never took hold. A proxy's clients keep their connections, so the extra
        // submission per accept costs nothing measurable.
        if (System.getProperty(IO_URING_MULTISHOT_ACCEPT) == null) {
            System.setProperty(IO_URING_MULTISHOT_ACCEPT, "false");
        }
    }

    /** The transport the {@value #PROPERTY} system property asks for, else io_uring, epoll or NIO, the first that loads. */
    public static Transport detect() {
        return chosen(System.getProperty(PROPERTY)).transport();
    }

    /**
     * The transport {@code wanted} names ({@code auto}, {@code io_uring}, {@code epoll} or {@code nio}; null or
     * blank is {@code auto}), with why faster ones were passed over where they were.
     *
     * @throws IllegalArgumentException when {@code wanted} is no transport's name or names one this kernel refuses
     */
    public static Choice chosen(String wanted) {
        String name = wanted == null || wanted.isBlank() ? "auto" : wanted.trim().toLowerCase(Locale.ROOT);
        switch (name) {
            case "auto":
                if (IoUring.isAvailable()) {
                    return new Choice(ioUring(), null);
                }
                String noIoUring = "io_uring unavailable: " + cause(IoUring.unavailabilityCause());
                if (Epoll.isAvailable()) {
                    return new Choice(epoll(), noIoUring);
                }
                return new Choice(nio(), noIoUring + "; epoll unavailable: " + cause(Epoll.unavailabilityCause()));
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
     * A transport and, when a faster one was passed over for it, why (for the start-up line); {@code passedOver}
     * is null otherwise.
     */
    public record Choice(Transport transport, String passedOver) {
    }
}
