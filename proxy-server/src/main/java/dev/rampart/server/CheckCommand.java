package dev.rampart.server;

import dev.rampart.core.config.ConfigException;
import dev.rampart.core.config.ConfigWarnings;
import dev.rampart.core.config.EffectiveConfigRenderer;
import dev.rampart.core.config.LocatedConfig;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.proxy.ProxyListener;
import dev.rampart.core.routing.Router;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** {@code --check}: validate, print the effective config and the warnings, exit 0 or 1 (like {@code nginx -t}). */
final class CheckCommand {

    /** EACCES as the JDK words it in the C locale, which {@link ProxyListener#whyNotBound} explains. */
    private static final String PERMISSION_DENIED = "Permission denied";

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
        List<String> unlistenable = whereTheStartCannotListen(located);
        if (!unlistenable.isEmpty()) {
            // The start would fail to listen there: say so now, as nginx -t does of a listen it cannot bind.
            err.println("rampart: configuration " + source.describe() + " is invalid:");
            err.println(String.join("\n", unlistenable));
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
     * The listener and admin hosts that do not resolve here or are another machine's, and their ports below 1024
     * that this user may not listen on, each as a problem line that names where the key is written, as the
     * loader's problems do (a default, written nowhere, is named by its key alone).
     */
    private static List<String> whereTheStartCannotListen(LocatedConfig located) {
        List<String> problems = new ArrayList<>(ListenerHosts.problems(located));
        if (problems.isEmpty()) {
            checkPrivilegedPort("rampart.server.port", located.config().server().host(),
                    located.config().server().port(), located, problems);
            checkPrivilegedPort("rampart.admin.port", located.config().admin().host(),
                    located.config().admin().port(), located, problems);
        }
        return problems;
    }

    /**
     * A port below 1024 that this user may not listen on (no root, no CAP_NET_BIND_SERVICE): the start would fail
     * there, and {@code nginx -t} reports it too. Tried on the port itself; a proxy already listening there makes
     * it "in use", which is no problem of the config, and a port that is free is held only for the moment of the
     * bind.
     */
    private static void checkPrivilegedPort(String path, String host, int port, LocatedConfig located,
                                            List<String> problems) {
        if (port <= 0 || port >= 1024) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (BindException e) {
            // Whether it was refused for privilege is asked of the kernel's settings: the error's words are the
            // locale's ("Keine Berechtigung"), and a port in use fails the bind too.
            boolean refused = PrivilegedPorts.mayListenOn(port).map(may -> !may)
                    .orElse(PERMISSION_DENIED.equals(e.getMessage()));
            if (refused) {
                problems.add(ListenerHosts.cannotListen(located, path, ProxyListener.hostAndPort(host, port),
                        ProxyListener.whyNotBound(new BindException(PERMISSION_DENIED), port)));
            }
        } catch (IOException e) {
            // not a question of privilege: the start will say what it is
        }
    }
}
