package dev.rampart.core.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Registered for every test class (auto-detected): after the class ran, any Netty leak report fails it.
 * This is what turns a leak into a failed build.
 */
public final class LeakCheckExtension implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) {
        List<String> reports = LeakRecorder.collect();
        if (!reports.isEmpty()) {
            fail(reports.size() + " Netty leak report(s) after " + context.getDisplayName() + ":\n"
                    + String.join("\n\n", reports));
        }
    }
}
