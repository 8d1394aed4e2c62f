package dev.rampart.server.admin;

import dev.rampart.core.config.AdminConfig;
import dev.rampart.core.testing.LeakRecorder;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing the admin server with connections open, over raw sockets. With a shutdown of no quiet period, Netty 4.2's
 * event loop could end without closing the channels still registered to it (in about two closes of three, when the
 * listener's own close left a task in the queue): their sockets stayed open and their pipelines never saw
 * {@code channelInactive}, so a request under way left the aggregator's buffer to the leak detector.
 */
class AdminServerCloseTest {

    private static final int ROUNDS = 6;
    private static final int CONNECTIONS = 3;

    @Test
    void closingTheServerClosesEveryConnectionAndReleasesTheRequestsUnderWay() throws IOException {
        LeakRecorder.collect(); // only this test's reports below
        for (int round = 0; round < ROUNDS; round++) {
            AdminServer server = AdminServer.start(new AdminConfig("127.0.0.1", 0),
                    new AdminSources(() -> "m 1\n", () -> true, () -> "{}", List::of));
            List<RawHttp> connections = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    RawHttp connection = new RawHttp("127.0.0.1", server.port());
                    connections.add(connection);
                    AdminConnectionHandlingTest.startRequest(connection); // the aggregator holds its start
                }
                server.close();
                for (RawHttp connection : connections) {
                    assertTrue(connection.closedByPeer(), "round " + round + ": closed by the server's close");
                }
            } finally {
                server.close();
                connections.forEach(RawHttp::close);
            }
        }
        List<String> reports = LeakRecorder.collect();
        assertEquals(List.of(), reports, "no buffer of a request under way is left unreleased");
    }
}
