package dev.rampart.server;

import dev.rampart.core.config.ConfigException;
import dev.rampart.core.config.LocatedConfig;
import dev.rampart.server.observe.LogLevelSetting;
import dev.rampart.server.observe.Logging;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** {@code java -jar rampart.jar [--config FILE] [--check]}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        NettyDefaults.apply(System.getProperties(), JvmMemory::ofThisJvm);
        TlsDefaults.apply(System.getProperties());
        UrlReadDefaults.apply(System.getProperties());
        // UTF-8 whatever the locale, as the logs are: in the C locale the JVM's default is ASCII, and route
        // names, paths and config values would be printed as '?'.
        System.setOut(utf8(FileDescriptor.out));
        System.setErr(utf8(FileDescriptor.err));
        int code = run(args, System.out, System.err);
        if (code >= 0) {
            endOutput();
            System.exit(code);
        }
    }

    /** How long the last log lines and buffered output may take to be written before the process exits anyway. */
    private static final long OUTPUT_DEADLINE_MILLIS = 5_000;

    /**
     * Writes what is still queued or buffered for stdout and stderr, for at most
     * {@link #OUTPUT_DEADLINE_MILLIS}. Bounded because a stream nobody reads (a stalled log collector) blocks
     * its writer for as long as it stays unread; waited for here, an exit after SIGTERM never came.
     */
    private static void endOutput() {
        Thread flush = new Thread(() -> {
            Logging.flushAndStop();
            System.out.flush(); // buffered: what did not end in a newline is still here, and exit drops it
            System.err.flush();
        }, "rampart-output-flush");
        flush.setDaemon(true);
        flush.start();
        try {
            flush.join(OUTPUT_DEADLINE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static PrintStream utf8(FileDescriptor stream) {
        return new PrintStream(new BufferedOutputStream(new FileOutputStream(stream)), true, StandardCharsets.UTF_8);
    }

    /**
     * Runs the command line. Returns the exit code, after the server stopped when it was started.
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl;
        try {
            cl = CommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("rampart: " + e.getMessage());
            err.print(CommandLine.USAGE);
            return 2;
        }
        if (cl.help()) {
            out.print(CommandLine.USAGE);
            return 0;
        }
        if (cl.version()) {
            out.println("rampart " + version());
            return 0;
        }
        String badLogLevel = LogLevelSetting.problem(System::getProperty, System::getenv);
        if (badLogLevel != null) {
            err.println("rampart: cannot start: " + badLogLevel);
            return 1;
        }
        if (LogLevelSetting.isEmpty(System::getProperty, System::getenv)) {
            System.setProperty(LogLevelSetting.NAME, "INFO"); // read by logback.xml, before the environment
        }
        ConfigSource source = ConfigSource.resolve(cl.config());
        if (cl.check()) {
            return CheckCommand.run(source, out, err);
        }
        Signals.holdHupUntilStarted();
        RampartServer server = start(source, err);
        if (server == null) {
            return 1;
        }
        try {
            server.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * Loads the config and starts on it; null, having said why, when it cannot. A frame of its own, so that the
     * frame that waits for the end holds no config: the one the start read would otherwise stay on the heap beside
     * the one a reload put in force (megabytes with thousands of routes).
     */
    private static RampartServer start(ConfigSource source, PrintStream err) {
        LocatedConfig located;
        try {
            located = source.loadLocated();
            // Said as --check and a reload say it, with the key, file and line, before the bind would fail
            // with the socket's words alone.
            ListenerHosts.require(located);
        } catch (ConfigException e) {
            err.println("rampart: cannot start: configuration " + source.describe() + " is invalid:");
            err.println(e.getMessage());
            return null;
        }
        try {
            return RampartServer.start(source, located.config(), true);
        } catch (ListenerNotBound e) {
            // A port in use, a low port without the capability: the key to change and where it is written.
            err.println("rampart: cannot start: " + e.describe(located));
            return null;
        } catch (IllegalStateException | java.io.IOException | OutOfMemoryError e) {
            // A sentence, not a stack trace: a port taken, descriptors or direct memory too few for the event loops.
            err.println("rampart: cannot start: " + StartFailure.describe(e));
            return null;
        }
    }

    /** The version from the jar's manifest, or "dev" when run from classes. */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
