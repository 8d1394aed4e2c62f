package dev.rampart.server;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The parsed command line: {@code [--config FILE] [--check] [--help] [--version]}.
 *
 * @param config explicit config file, when given
 */
record CommandLine(Optional<Path> config, boolean check, boolean help, boolean version) {

    static final String USAGE = """
            Usage: java -jar rampart.jar [--config FILE] [--check] [--help] [--version]

              --config FILE   the HOCON config to run (default: conf/proxy.conf if present, else the bundled default)
              --check         validate the config, print the effective routes and policies and any warnings,
                              then exit 0 (valid) or 1 (invalid), like nginx -t
              --help          print this help
              --version       print the version

            Exit codes: 0 ok, 1 invalid config or cannot start, 2 bad command line.
            """;

    /** @throws IllegalArgumentException with a message for the user on a bad command line */
    static CommandLine parse(String[] args) {
        Path config = null;
        boolean check = false;
        boolean help = false;
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length || isOption(args[i + 1])) {
                        // "--config --check" is a forgotten file name, not a file called --check.
                        throw new IllegalArgumentException("--config needs a file"
                                + (i + 1 < args.length ? " (got the option " + args[i + 1] + "; write ./" + args[i + 1]
                                + " for a file of that name)" : ""));
                    }
                    config = configPath(config, args[++i]);
                }
                case "--check", "-t" -> check = true;
                case "--help", "-h" -> help = true;
                case "--version" -> version = true;
                default -> {
                    if (arg.startsWith("--config=")) {
                        config = configPath(config, arg.substring("--config=".length()));
                    } else {
                        throw new IllegalArgumentException("unknown argument: " + arg);
                    }
                }
            }
        }
        return new CommandLine(Optional.ofNullable(config), check, help, version);
    }

    private static boolean isOption(String arg) {
        return arg.equals("-c") || arg.equals("-t") || arg.equals("-h") || arg.startsWith("--");
    }

    /** The file {@code --config} names, {@code already} the one an earlier {@code --config} named (else null). */
    private static Path configPath(Path already, String text) {
        if (already != null) {
            throw new IllegalArgumentException("--config given twice: one config file runs");
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException("--config needs a file");
        }
        return Path.of(text);
    }
}
