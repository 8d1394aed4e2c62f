package dev.rampart.server;

import dev.rampart.core.config.ConfigException;
import dev.rampart.core.config.ConfigWarnings;
import dev.rampart.core.config.EffectiveConfigRenderer;
import dev.rampart.core.config.LocatedConfig;
import dev.rampart.core.observe.LogText;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.routing.Router;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** {@code --check}: validate, print the effective config and the warnings, exit 0 or 1 (like {@code nginx -t}). */
final class CheckCommand {

    private CheckCommand() {
    }

    static int run(ConfigSource source, PrintStream out, PrintStream err) {
        LocatedConfig located;
        RampartConfig config;
        try {
            located = source.readOnce().loadLocated(); // never reloaded: a pipe will do
            config = located.config();
            Router.compile(config.routes()); // route problems the loader cannot see surface here, not at start
        } catch (ConfigException e) {
            err.println("rampart: configuration " + source.describe() + " is invalid:");
            err.println(e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("rampart: configuration " + source.describe() + " is invalid:");
            err.println(e.getMessage());
            return 1;
        }
        List<String> unresolvable = unresolvableListenerHosts(located);
        if (!unresolvable.isEmpty()) {
            // The start would fail to listen there: say so now, as nginx -t does of a listen it cannot resolve.
            err.println("rampart: configuration " + source.describe() + " is invalid:");
            err.println(String.join("\n", unresolvable));
            return 1;
        }
        out.println("# " + source.describe() + ":");
        out.println(EffectiveConfigRenderer.render(config));
        List<String> warnings = ConfigWarnings.of(config);
        for (String warning : warnings) {
            err.println("warning: " + warning);
        }
        out.println("# configuration " + source.describe() + " is valid"
                + (warnings.isEmpty() ? "" : " (" + warnings.size() + " warning" + (warnings.size() == 1 ? "" : "s") + ")"));
        return 0;
    }

    /**
     * The listener and admin hosts that do not resolve here, each as a problem line that names where the host is
     * written, as the loader's problems do (a default host, written nowhere, is named by its key alone).
     */
    private static List<String> unresolvableListenerHosts(LocatedConfig located) {
        List<String> problems = new ArrayList<>(2);
        checkResolves("rampart.server.host", located.config().server().host(), located, problems);
        checkResolves("rampart.admin.host", located.config().admin().host(), located, problems);
        return problems;
    }

    private static void checkResolves(String path, String host, LocatedConfig located, List<String> problems) {
        String where = located.where(path).map(w -> " (" + LogText.oneLine(w) + ")").orElse("");
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            problems.add(path + ": cannot listen on " + host + ": no such host here" + where);
            return;
        }
        if (!assignable(address)) {
            problems.add(path + ": cannot listen on " + host + ": not an address of this machine" + where);
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
