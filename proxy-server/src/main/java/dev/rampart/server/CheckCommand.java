package dev.rampart.server;

import dev.rampart.core.config.ConfigException;
import dev.rampart.core.config.ConfigWarnings;
import dev.rampart.core.config.EffectiveConfigRenderer;
import dev.rampart.core.config.LocatedConfig;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.routing.Router;

import java.io.PrintStream;
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
        List<String> unresolvable = ListenerHosts.problems(located);
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
}
