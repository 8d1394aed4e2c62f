package dev.rampart.server;

import dev.rampart.core.config.ConfigWarnings;
import dev.rampart.core.config.RampartConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Logs the warnings {@code --check} prints, at start and after each reload that is applied, as nginx logs its
 * {@code [warn]} lines: a config that is pushed and reloaded by a tool (a Kubernetes ConfigMap) never goes
 * through {@code --check}, and an expired listener certificate or a POST retried after delivery would
 * otherwise be found only by its effects.
 */
final class ConfigWarningLog {

    private static final Logger log = LoggerFactory.getLogger(ConfigWarningLog.class);

    private ConfigWarningLog() {
    }

    static void log(String when, RampartConfig config) {
        List<String> warnings;
        try {
            warnings = ConfigWarnings.of(config);
        } catch (RuntimeException e) {
            // A certificate file replaced since the load: the config is in use already, and a warning
            // must not end the start or the watch thread.
            log.warn("{}: the config warnings could not be worked out: {}", when, e.toString());
            return;
        }
        for (String warning : warnings) {
            log.warn("{}: config warning: {}", when, warning);
        }
        OpenFilesLimit.warningForThisProcess(config)
                .ifPresent(warning -> log.warn("{}: {}", when, warning));
    }
}
