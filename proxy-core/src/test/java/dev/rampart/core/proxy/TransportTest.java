package dev.rampart.core.proxy;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransportTest {

    @Test
    void withoutANameTheFirstOfIoUringEpollAndNioThatLoadsIsChosenSayingWhyOthersWerePassedOver() {
        for (String unnamed : new String[] {null, "", " ", "auto", "AUTO"}) {
            Transport.Choice choice = Transport.chosen(unnamed);
            if (Transport.ioUringAvailable()) {
                assertEquals("io_uring", choice.transport().name(), unnamed);
                assertNull(choice.passedOver(), unnamed);
            } else if (Transport.epollAvailable()) {
                assertEquals("epoll", choice.transport().name(), unnamed);
                assertTrue(choice.passedOver().startsWith("io_uring unavailable: "), choice.passedOver());
            } else {
                assertEquals("nio", choice.transport().name(), unnamed);
                assertTrue(choice.passedOver().startsWith("io_uring unavailable: ")
                        && choice.passedOver().contains("; epoll unavailable: "), choice.passedOver());
            }
        }
    }

    @Test
    void ioUringUsesOneShotPollsUnlessAskedOtherwise() {
        String asked = System.getProperty(Transport.IO_URING_MULTISHOT_POLLS);
        Transport.nio(); // the class is loaded: its default is in place
        assertEquals("false", System.getProperty(Transport.IO_URING_MULTISHOT_POLLS),
                "multishot polls lost a peer's reset right behind its last bytes (PeerResetTest)");
        assertTrue(asked == null || asked.equals("false"), "not set for this JVM: " + asked);
    }

    @Test
    void ioUringAcceptsOneConnectionPerRequestUnlessAskedOtherwise() {
        Transport.nio(); // the class is loaded: its default is in place
        assertEquals("false", System.getProperty(Transport.IO_URING_MULTISHOT_ACCEPT),
                "a multishot accept spun on a process out of file descriptors (OutOfDescriptorsIT)");
    }

    @Test
    void aNamedTransportIsThatOneOrAnErrorNeverAnother() {
        assertEquals("nio", Transport.chosen("nio").transport().name());
        assertEquals("nio", Transport.chosen(" NIO ").transport().name());
        for (String name : new String[] {"io_uring", "epoll"}) {
            boolean available = name.equals("epoll") ? Transport.epollAvailable() : Transport.ioUringAvailable();
            if (available) {
                Transport.Choice choice = Transport.chosen(name);
                assertEquals(name, choice.transport().name());
                assertNull(choice.passedOver());
            } else {
                IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                        () -> Transport.chosen(name));
                assertTrue(refused.getMessage().contains("unavailable here"), refused.getMessage());
            }
        }
    }

    @Test
    void anUnknownNameIsRefusedWithTheNamesThatWork() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Transport.chosen("iouring"));
        assertEquals("-Drampart.transport=iouring names no transport: use auto, io_uring, epoll or nio",
                refused.getMessage());
    }
}
