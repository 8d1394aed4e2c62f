package dev.rampart.core.testing;

import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * What a {@code java.net.http.WebSocket} client received: whole messages as they arrive (a large one comes in
 * parts), and how the connection ended.
 */
public final class WebSocketMessages implements WebSocket.Listener {
    public final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    public final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    public final CompletableFuture<Void> closedOrFailed = new CompletableFuture<>();
    public volatile String closeReason;
    public volatile WebSocket socket;
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            messages.add(text.toString());
            text.setLength(0);
        }
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        byte[] part = new byte[data.remaining()];
        data.get(part);
        binary.writeBytes(part);
        if (last) {
            messages.add(binary.toByteArray());
            binary.reset();
        }
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        closeReason = reason;
        closeCode.complete(statusCode);
        closedOrFailed.complete(null);
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        closeCode.completeExceptionally(error);
        closedOrFailed.complete(null);
    }

    public String nextText() throws InterruptedException {
        Object m = messages.poll(20, TimeUnit.SECONDS);
        assertInstanceOf(String.class, m, "a text message arrives");
        return (String) m;
    }

    public byte[] nextBinary() throws InterruptedException {
        Object m = messages.poll(20, TimeUnit.SECONDS);
        assertInstanceOf(byte[].class, m, "a binary message arrives");
        return (byte[]) m;
    }
}
