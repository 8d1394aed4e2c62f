package dev.rampart.core.proxy;

import io.netty.handler.codec.DateFormatter;

import java.util.Date;

/**
 * The {@code Date} of the responses the proxy makes itself (RFC 9110 §6.6.1: an origin with a clock
 * sends one), formatted once per second: fast-fail answers come by the hundred thousand a second.
 */
final class HttpDate {

    private record Formatted(long epochSecond, String text) {
    }

    private static volatile Formatted last = new Formatted(Long.MIN_VALUE, "");

    private HttpDate() {
    }

    static String now() {
        long second = Math.floorDiv(System.currentTimeMillis(), 1000L);
        Formatted formatted = last;
        if (formatted.epochSecond() != second) {
            formatted = new Formatted(second, DateFormatter.format(new Date(second * 1000L)));
            last = formatted; // a race formats the same second twice: harmless
        }
        return formatted.text();
    }
}
