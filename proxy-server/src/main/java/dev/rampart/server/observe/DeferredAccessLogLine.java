package dev.rampart.server.observe;

import dev.rampart.core.observe.ExchangeRecord;

/**
 * An access-log line that is built only when its text is asked for. The logger receives this as the
 * argument of its message, and {@link BatchingAsyncAppender} asks for the text on its drain thread,
 * so an event loop pays for queuing a finished exchange, not for writing its JSON. Safe because an
 * {@link ExchangeRecord} is immutable and {@link AccessLogFormat} keeps no per-line state.
 */
final class DeferredAccessLogLine {

    private final AccessLogFormat format;
    private final ExchangeRecord record;

    DeferredAccessLogLine(AccessLogFormat format, ExchangeRecord record) {
        this.format = format;
        this.record = record;
    }

    @Override
    public String toString() {
        return format.format(record);
    }
}
