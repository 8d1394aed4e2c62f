package dev.rampart.server;

import dev.rampart.core.config.ConfigException;
import dev.rampart.core.config.LocatedConfig;
import dev.rampart.core.observe.LogText;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The listener and admin hosts a start could not listen on here: names that do not resolve, and addresses of
 * another machine. The loader cannot know them (the file is the same on every machine); {@code --check}, the
 * start and the reload ask here, so that none passes a config another refuses, and all three name it alike.
 */
final class ListenerHosts {

    private ListenerHosts() {
    }

    /**
     * The listener and admin hosts that do not resolve here, or whose addresses the start would not listen on: both
     * ports bind every address of a name and leave out those no interface here has while another is bound
     * (ListeningSockets), so a name none of whose addresses is this machine's. Each is a problem line that names
     * where the host is written, as the loader's problems do (a default host, written nowhere, is named by its key
     * alone).
     */
    static List<String> problems(LocatedConfig located) {
        List<String> problems = new ArrayList<>(2);
        checkResolves("rampart.server.host", located.config().server().host(), located, problems);
        checkResolves("rampart.admin.host", located.config().admin().host(), located, problems);
        return problems;
    }

    /** Throws the {@link #problems} of {@code located} as a {@link ConfigException}, if it has any. */
    static void require(LocatedConfig located) {
        List<String> problems = problems(located);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /**
     * The problem line of a listener setting the start could not listen on: {@code path}, what it would listen on,
     * why not, and where the key is written, as the loader's problems name it (a default is named by its key alone).
     */
    static String cannotListen(LocatedConfig located, String path, String on, String why) {
        String where = located.where(path).map(w -> " (" + LogText.oneLine(w) + ")").orElse("");
        return path + ": cannot listen on " + on + ": " + why + where;
    }

    private static void checkResolves(String path, String host, LocatedConfig located, List<String> problems) {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            problems.add(cannotListen(located, path, host, "no such host here"));
            return;
        }
        if (Arrays.stream(addresses).noneMatch(ListenerHosts::assignable)) {
            problems.add(cannotListen(located, path, host, "not an address of this machine"));
        }
    }

    /**
     * Whether a socket can listen on {@code address} here: the start fails on an address another machine has (a
     * public IP, a pod's address copied from elsewhere), and nginx -t reports the same. Tried on a port the kernel
     * picks, so that the port of a proxy already running there does not count against it.
     */
    private static boolean assignable(InetAddress address) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(address, 0));
            return true;
        } catch (BindException e) {
            return false;
        } catch (IOException e) {
            return true; // not a question of the address: the start will say what it is
        }
    }
}
