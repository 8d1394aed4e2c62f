package dev.rampart.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigResolver;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a HOCON file into a validated {@link RampartConfig}, or throws a {@link ConfigException}
 * that lists every problem with its key path, file and line. Nothing is started from a config that
 * did not pass here, at start or on reload.
 *
 * <p>Substitutions are resolved against the file itself and then the environment
 * ({@code port = ${?RAMPART_PORT}}), and against nothing else: Java system properties are not
 * consulted, so the same file and environment always give the same config. The environment is a
 * parameter so that tests pass their own.
 */
public final class ConfigLoader {

    /** The classpath resource used when no file is given; the same content as {@code conf/proxy.conf}. */
    public static final String DEFAULT_RESOURCE = "rampart/default.conf";

    private ConfigLoader() {
    }

    /** Loads a file, substituting from the process environment. */
    public static RampartConfig load(Path file) {
        return load(file, System.getenv());
    }

    /**
     * Loads a file, substituting from the given environment. A pipe is read as a file is (for {@code --check}
     * fed from standard input); whether one will do is the caller's to decide.
     */
    public static RampartConfig load(Path file, Map<String, String> env) {
        return loadLocated(file, env).config();
    }

    /** Loads a file as {@link #load(Path)} does, keeping where each key is written. */
    public static LocatedConfig loadLocated(Path file) {
        return loadLocated(file, System.getenv());
    }

    static LocatedConfig loadLocated(Path file, Map<String, String> env) {
        if (Files.isDirectory(file) || !Files.isReadable(file)) {
            String why = Files.isRegularFile(file) ? UnreadableFile.why(file) + "; " : "";
            throw new ConfigException(List.of(file + ": cannot read the file (" + why
                    + "expected a readable HOCON file)"));
        }
        // A bare file name has no parent directory, and without one HOCON finds no include next to it:
        // ./name has one, and messages still name the file almost as it was given.
        Path withDirectory = file.getParent() == null ? Path.of(".").resolve(file) : file;
        return bind(file.toString(), withDirectory.toFile(),
                options -> parseReadable(file, withDirectory, options), env);
    }

    /**
     * The file parsed; a read that fails though the file looked readable (a disk error, a file of {@code /proc})
     * is that file's problem, not an include's, which is what Typesafe's I/O error would otherwise be read as.
     */
    private static Config parseReadable(Path file, Path withDirectory, ConfigParseOptions options) {
        try {
            return ConfigFactory.parseFile(withDirectory.toFile(), options.setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException.IO e) {
            if (e.origin() == null || !withDirectory.toString().equals(e.origin().filename())) {
                throw e;
            }
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigException(List.of(file + ": cannot read the file (" + cause.getMessage() + ")"));
        }
    }

    /** Loads the config bundled in the jar ({@value #DEFAULT_RESOURCE}), substituting from the process environment. */
    public static RampartConfig loadDefault() {
        return loadDefault(System.getenv());
    }

    /** Loads the bundled config, substituting from the given environment. */
    public static RampartConfig loadDefault(Map<String, String> env) {
        return loadDefaultLocated(env).config();
    }

    /** Loads the bundled config as {@link #loadDefault()} does, keeping where each key is written. */
    public static LocatedConfig loadDefaultLocated() {
        return loadDefaultLocated(System.getenv());
    }

    private static LocatedConfig loadDefaultLocated(Map<String, String> env) {
        return bind(DEFAULT_RESOURCE, null, options -> ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(),
                DEFAULT_RESOURCE, options.setAllowMissing(false)), env);
    }

    /** Parses HOCON text, substituting from the process environment; {@code originDescription} stands for the file name. */
    public static RampartConfig parse(String hoconText, String originDescription) {
        return parse(hoconText, originDescription, System.getenv());
    }

    /** Parses HOCON text, substituting from the given environment. */
    public static RampartConfig parse(String hoconText, String originDescription, Map<String, String> env) {
        return bind(originDescription, null,
                options -> ConfigFactory.parseString(hoconText, options.setOriginDescription(originDescription)), env)
                .config();
    }

    /** @param top the file read, which its includes are looked for in, or null for text or a resource */
    private static ConfigParseOptions options(Set<String> includedFiles, java.io.File top) {
        // The class loader is explicit: a reload on SIGHUP runs on a signal thread, which has none, and an
        // include that finds no file is then looked for on the classpath.
        return ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                .setIncluder(new ExistingIncludes(null, includedFiles, new IncludeSites(top)))
                .setClassLoader(ConfigLoader.class.getClassLoader());
    }

    private interface Parser {
        Config parse(ConfigParseOptions options);
    }

    /**
     * @param source the file (or resource, or text's description) parsed, as a problem about all of it names it
     * @param top    the file parsed, which the problem of an include it holds names with its line; null for others
     */
    private static LocatedConfig bind(String source, java.io.File top, Parser parser, Map<String, String> env) {
        try {
            Set<String> includedFiles = new TreeSet<>();
            Config resolved;
            try {
                resolved = parser.parse(options(includedFiles, top))
                        .resolve(ConfigResolveOptions.noSystem().appendResolver(new EnvResolver(env)));
            } catch (com.typesafe.config.ConfigException e) {
                throw fromTypesafe(e);
            }
            Problems problems = new Problems();
            Utf8Damage.check(resolved.root(), problems, includedFiles);
            RampartConfig config = RampartBinder.bind(resolved.root(), problems);
            problems.throwIfAny();
            return new LocatedConfig(config, resolved);
        } catch (StackOverflowError e) {
            // The parser and the checks recurse per level: a file of thousands of nested blocks (a generator's
            // slip, a file half overwritten) is a config error like any other, not a crash of the reloader.
            throw new ConfigException(List.of(source + ": blocks or arrays are nested too deeply to be read"
                    + " (a config needs a few levels, not thousands)"));
        }
    }

    /** A syntax error or an unresolvable substitution, in the same {@code ... (file:line)} shape as the rest. */
    private static ConfigException fromTypesafe(com.typesafe.config.ConfigException e) {
        if (e instanceof ExistingIncludes.Unincludable unincludable) {
            return new ConfigException(List.of(unincludable.problem()));
        }
        if (e instanceof com.typesafe.config.ConfigException.IO && e.origin() != null) {
            // Typesafe's words name the classpath, its last place to look: say what the operator wrote instead.
            return new ConfigException(List.of(ExistingIncludes.missing(e.origin().description())));
        }
        String message = e.getMessage();
        if (e.origin() != null) {
            String prefix = e.origin().description() + ": ";
            if (message.startsWith(prefix)) {
                message = message.substring(prefix.length());
            }
            if (TypesafeWording.rewords(message)) {
                return new ConfigException(List.of("syntax error: " + TypesafeWording.reword(message)
                        + " (" + Problems.where(e.origin()) + ")"));
            }
            if (e instanceof com.typesafe.config.ConfigException.UnresolvedSubstitution) {
                message = Character.toLowerCase(message.charAt(0)) + message.substring(1)
                        + (message.contains("cycle") ? "" : " (a required substitution; ${?NAME} makes it optional)");
            } else if (e instanceof com.typesafe.config.ConfigException.Parse) {
                if (Utf16Files.isUtf16(e.origin().filename())) {
                    // Typesafe reads it as UTF-8 and stumbles on the NULs: say what is wrong with the file.
                    return new ConfigException(List.of(e.origin().filename() + ": the file is in UTF-16 (as Windows"
                            + " PowerShell's > and Out-File write by default): save it as UTF-8, which HOCON files"
                            + " are read in"));
                }
                if (message.contains("close parentheses ')' here, not: end of file")
                        || message.contains("instead had token: end of file")) {
                    // Typesafe's words for a file that ends inside an unclosed { or [: no ')' is involved, and
                    // in a list left open after an element, no comma either ("List should have had new element
                    // after a comma").
                    message = "the file ends inside a block: a closing } or ] is missing";
                }
                message = "syntax error: " + message;
            } else if (message.startsWith(" has type")) { // the root itself, whose path is empty
                message = "the file's top level" + message.replace(" at file root", "") + " ({ rampart { ... } })";
            }
            return new ConfigException(List.of(message + " (" + Problems.where(e.origin()) + ")"));
        }
        return new ConfigException(List.of(message));
    }

    /** Looks substitutions up in an environment map; each value remembers which variable it came from. */
    private record EnvResolver(Map<String, String> env) implements ConfigResolver {

        @Override
        public ConfigValue lookup(String path) {
            String value = env.get(path);
            return value == null ? null : ConfigValueFactory.fromAnyRef(value, "environment variable " + path);
        }

        @Override
        public ConfigResolver withFallback(ConfigResolver fallback) {
            return new ConfigResolver() {
                @Override
                public ConfigValue lookup(String path) {
                    ConfigValue v = EnvResolver.this.lookup(path);
                    return v != null ? v : fallback.lookup(path);
                }

                @Override
                public ConfigResolver withFallback(ConfigResolver next) {
                    return EnvResolver.this.withFallback(fallback.withFallback(next));
                }
            };
        }
    }
}
