package dev.rampart.core.upstream.pool;

import io.netty.util.ReferenceCountUtil;

/**
 * An exchange, for pool tests, that drops what its connection reads and ignores its closes, errors and
 * writability: the tests watch the pool and the sockets, not the exchange. Extend it to act on a message.
 */
class IgnoringOriginListener implements OriginListener {

    @Override
    public void onOriginMessage(Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void onOriginClosed() {
    }

    @Override
    public void onOriginError(Throwable cause) {
    }

    @Override
    public void onOriginWritabilityChanged(boolean writable) {
    }
}
