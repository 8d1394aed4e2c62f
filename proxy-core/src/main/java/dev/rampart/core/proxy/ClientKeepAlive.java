package dev.rampart.core.proxy;

import dev.rampart.core.config.ServerConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;

import java.util.concurrent.TimeUnit;

/**
 * A client connection between requests: once a response is done and no pipelined request waits, it awaits the
 * next request or closes after its last; while it awaits one, the idle timeout and the drain may close it. It
 * exists so that {@link ClientRequestHandler} reads requests and starts exchanges while the rules of keeping a
 * connection live here. Static, over the handler's per-connection collaborators: nothing is allocated per request.
 */
final class ClientKeepAlive {

    /** How recent bytes the loop has not read must be to keep an idle connection past its timer: a request arriving. */
    private static final long ARRIVAL_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

    private ClientKeepAlive() {
    }

    /**
     * The connection stays for a next request (its idle timer armed): it reads on. If part of the next head came
     * already, its head timeout runs now, not the idle one, as it does for part of a TLS record read during the
     * response. An upgrade ({@code answered}) answered without a 101 leaves the connection HTTP: what the client
     * sent behind the request (if anything; else the connection is idle) is read as the next one.
     */
    static void awaitNextRequest(RequestHeadGuard heads, HttpRequest answered, AwaitedHead awaited,
                                 TlsRecordProgress tlsRecords, ClientReads reads) {
        if (heads.headBytesPending() || heads.holdsBytes()) {
            awaited.bytesReceived();
        } else if (tlsRecords != null && tlsRecords.unfinished()) {
            awaited.unfinishedTlsRecord();
        }
        reads.request();
        heads.resume(answered);
    }

    /**
     * The connection's last request is done: nothing more is read as a request (a held head owns no buffer, a
     * decoder stand-in's was released), so no timer may answer one, and what comes is dropped while it closes.
     * It lingers when the client may still be sending ({@code clientMaySend}: a body not read whole, a request in
     * line, a tunnel's client, which may send at any moment, a pong or a heartbeat), or sent part of a next head,
     * or more behind an upgrade request than was held: closed outright, the client's next byte would reset the
     * connection and lose the end of what it was sent; but not when the client's end of input was read
     * ({@code inputEnded}): then nothing is left in the socket for the close to be reset by. What is queued still
     * goes out before the close (a response its upstream cut).
     */
    static void closeAfterLastRequest(ChannelHandlerContext ctx, ServerConfig server, AwaitedHead awaited,
                                      ClientConnectionTimers timers, RequestHeadGuard heads, boolean clientMaySend,
                                      boolean inputEnded, ExchangeOutcome outcome) {
        awaited.stopAwaiting();
        timers.cancelAll();
        boolean unread = !inputEnded && (clientMaySend || heads.headBytesPending() || heads.droppedHeldBytes());
        LingeringClose.close(ctx.channel(), server, unread, outcome.deliversQueued(), outcome.requestId());
    }

    /**
     * Nothing moved for {@code idle-timeout} on a connection with no exchange in progress. A TLS record begun and
     * unfinished may hold a head: its head timer answers it, or, if it held none, the idle wait ends again (a new
     * connection's first-request wait is as short as that timer). Otherwise the connection closes if idle.
     */
    static void idleTimedOut(AwaitedHead awaited, ClientConnectionTimers timers, ProxyRuntime runtime,
                             ChannelHandlerContext ctx) {
        ServerConfig server = runtime.current().config().server();
        if (awaited.recordPending()) {
            timers.armIdle(server.requestHeaderTimeout().toNanos());
            return;
        }
        // Half the shortest wait this timer runs (a new connection's is request-header-timeout when that is shorter),
        // so that bytes from before the wait began never pass for a request arriving: the previous request, or, on a
        // new connection, its handshake, when the kernel starts the time of the last data received.
        long shortestWait = Math.min(server.idleTimeout().toNanos(), server.requestHeaderTimeout().toNanos());
        long arrivalWindow = Math.min(shortestWait / 2, ARRIVAL_WINDOW_NANOS);
        if (ctx != null && awaited.awaitedWithNoBytes()
                && KernelTcpInfo.nanosSinceDataReceived(ctx.channel()) < arrivalWindow) {
            // The client's next request reached the kernel just as the timer ran out, and the loop has not read it
            // yet (it reads in a later turn than the one that ran the timer; on io_uring a read follows its
            // readiness by a turn). Closed now, the connection would be reset under it, as a client that reuses a
            // connection at the advertised timeout meets; read, it starts the head's timer instead.
            timers.armIdle(arrivalWindow);
            return;
        }
        closeIfIdle(awaited, ctx);
    }

    /** A keep-alive connection with no request, not even part of one, is closed silently, like nginx's. */
    static void closeIfIdle(AwaitedHead awaited, ChannelHandlerContext ctx) {
        if (awaited.awaitedWithNoBytes() && ctx != null) {
            ctx.close();
        }
    }

    /**
     * The drain began: an idle kept-alive connection closes, as nginx's do; a new one stays, as nginx's do too, for
     * the first request its client connected to send (on the way, or behind a TLS handshake), answered with
     * {@code Connection: close}.
     */
    static void closeIfKeptAliveIdle(ClientAnswers answers, AwaitedHead awaited, ChannelHandlerContext ctx) {
        if (answers.carriedARequest()) {
            closeIfIdle(awaited, ctx);
        }
    }
}
