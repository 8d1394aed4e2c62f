package dev.rampart.core.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigParseable;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Makes {@code include "name"} fail when there is nothing by that name to include, or only something HOCON
 * cannot read (a directory, an unreadable file, a name without a HOCON extension). In plain HOCON such an
 * include is optional and skipped without a word, so the proxy would run on defaults for whatever the file
 * was to set (nginx refuses a missing include too). An include that finds a file, an empty one included,
 * is unchanged. {@code include required("name")} comes here too and gets the same reasons; {@code file(...)}
 * is resolved next to the including file ({@link #includeFile}); {@code classpath(...)} and {@code url(...)}
 * are HOCON's own but for the error a missing required one raises. Every such error is an {@link Unincludable}.
 */
final class ExistingIncludes implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderClasspath, ConfigIncluderURL {

    private static final String[] HOCON_EXTENSIONS = {".conf", ".json", ".properties"};
    private static final java.nio.file.Path DEV_NULL = java.nio.file.Path.of("/dev/null");

    private final ConfigIncluder fallback;
    /** The files included so far, by name, for checks that read them again (see {@link Utf8Damage}). */
    private final Set<String> includedFiles;
    /** The files being read, for a problem to name the file and line of the include it is about. */
    private final IncludeSites sites;

    ExistingIncludes(ConfigIncluder fallback, Set<String> includedFiles, IncludeSites sites) {
        this.fallback = fallback;
        this.includedFiles = includedFiles;
        this.sites = sites;
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder next) {
        return next == fallback ? this : new ExistingIncludes(next, includedFiles, sites);
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        java.net.URL url = asUrl(what);
        if (url != null) {
            // HOCON's rule: a name that parses as a URL is one. Read with timeouts, and required like any
            // quoted include: a misspelt file: or http: name must not leave the proxy running without it.
            return includeUrl(url, context.parseOptions().setAllowMissing(false));
        }
        Candidates found = Candidates.scan(what, name -> existingSibling(context, name));
        String problem = whyNotIncluded(context, what, found); // refuses a pipe or a device before HOCON reads it
        ConfigObject included;
        try {
            included = sites.reading(found.files(), () -> fallback.include(context, what));
        } catch (ConfigException.IO e) {
            // include required("...") of nothing readable, or a classpath or url include in what was found:
            // say why, as an error HOCON's probing of extensions cannot swallow a level up.
            throw new Unincludable(problem != null ? sites.located(problem, what)
                    : missing(e.origin() == null ? what : e.origin().description()));
        }
        if (included.origin().filename() != null) {
            includedFiles.add(included.origin().filename());
        }
        if (included.isEmpty() && problem != null) {
            throw new Unincludable(sites.located(problem, what));
        }
        return included;
    }

    /**
     * Why {@code include "what"} can give nothing, or null when it finds a file to read (an empty one). HOCON
     * reads {@code what} when it ends in .conf, .json or .properties, else each of {@code what} with those
     * added; a plain include skips what it cannot read without a word, which here is an error: a directory,
     * a file this process may not read, a name HOCON does not read (nginx reads any name), or nothing.
     */
    private static String whyNotIncluded(ConfigIncludeContext context, String what, Candidates found) {
        if (found.readable()) {
            return null;
        }
        File asNamed = isHoconName(what) ? null : existingSibling(context, what);
        if (found.problem() == null && asNamed != null) {
            return notHoconName(what, asNamed);
        }
        return found.problem() != null ? found.problem() : missing(what);
    }

    /**
     * What is at the names HOCON reads for {@code what} ({@link #hoconNames}), each found by {@code lookup}
     * (null when nothing is there): whether one is a file it can read, else why the first found is not. A
     * pipe or a device among them is refused at once ({@link #refuseSpecialFile}), since HOCON reads them all.
     * {@code files} are those it will read.
     */
    private record Candidates(boolean readable, String problem, List<File> files) {
        static Candidates scan(String what, Function<String, File> lookup) {
            boolean readable = false;
            String problem = null;
            List<File> files = new ArrayList<>(1);
            for (String name : hoconNames(what)) {
                File file = lookup.apply(name);
                if (file == null) {
                    continue;
                }
                refuseSpecialFile(file, what);
                if (!file.isDirectory() && file.canRead()) {
                    readable = true; // a file, or a link to /dev/null that switches an override off
                    files.add(file);
                } else if (problem == null) {
                    problem = cannotRead(what, file);
                }
            }
            return new Candidates(readable, problem, files);
        }
    }

    private static boolean isHoconName(String what) {
        for (String extension : HOCON_EXTENSIONS) {
            if (what.endsWith(extension)) {
                return true;
            }
        }
        return false;
    }

    /** The names HOCON reads for {@code include "what"}: {@code what} itself, or it with each extension added. */
    private static String[] hoconNames(String what) {
        if (isHoconName(what)) {
            return new String[] {what};
        }
        String[] names = new String[HOCON_EXTENSIONS.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = what + HOCON_EXTENSIONS[i];
        }
        return names;
    }

    /**
     * Refuses a pipe or a device before HOCON reads it: a pipe nobody writes to would hold --check, the start
     * or a reload for ever, and /dev/zero would fill the heap. /dev/null (an override switched off) is read.
     */
    private static void refuseSpecialFile(File file, String what) {
        if (file == null || file.isFile() || file.isDirectory()) {
            return;
        }
        try {
            if (file.toPath().toRealPath().equals(DEV_NULL)) {
                return;
            }
        } catch (java.io.IOException unresolvable) {
            // a dangling link: HOCON finds nothing there, and the include is reported as missing
            return;
        }
        throw new Unincludable("cannot include " + what + ": " + file + " is not a regular file (a pipe or a device)");
    }

    private static String cannotRead(String what, File file) {
        return "cannot include " + what + ": " + file
                + (file.isDirectory() ? " is a directory" : " cannot be read (no read permission)");
    }

    private static String notHoconName(String what, File file) {
        return "cannot include " + what + ": " + file + " is not read, as HOCON includes only names ending in .conf,"
                + " .json or .properties (rename the file)";
    }

    /** The words for an include with nothing to read; also those of ConfigLoader for an I/O error left to it. */
    static String missing(String what) {
        return "cannot read the included file " + what + " (a relative include is looked up next to the file that"
                + " includes it)";
    }

    /** {@code name} next to the including file, if there is anything by that name there; else null. */
    private static File existingSibling(ConfigIncludeContext context, String name) {
        ConfigParseable sibling = context.relativeTo(name);
        String path = sibling == null ? null : sibling.origin().filename();
        return path == null ? null : new File(path);
    }

    /**
     * {@code include file("local.conf")} and {@code include required(file(...))}: a relative name is looked
     * up next to the including file, as for a plain include and as the HOCON spec says ("the current working
     * directory must not be used"). Typesafe Config looks in the working directory, so a proxy started from
     * elsewhere than its config's directory skipped an optional local override without a word.
     */
    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File file) {
        File located = file.isAbsolute() ? file : besideIncludingFile(context, file);
        String what = located.getPath();
        Candidates found = Candidates.scan(what, name -> {
            File candidate = new File(name);
            return candidate.exists() ? candidate : null;
        });
        boolean required = !context.parseOptions().getAllowMissing();
        if (!found.readable() && located.isFile() && found.problem() == null) {
            // HOCON would look for located.conf, .json and .properties, and skip the file that is there.
            throw new Unincludable(sites.located(notHoconName(what, located), file.getPath()));
        }
        if (!found.readable() && required) {
            // Raised here, not by HOCON: its probing of extensions would swallow an I/O error a level up.
            throw new Unincludable(sites.located(found.problem() != null ? found.problem() : missing(what),
                    file.getPath()));
        }
        ConfigObject included;
        try {
            included = sites.reading(found.files(),
                    () -> ConfigFactory.parseFileAnySyntax(located, context.parseOptions()).root());
        } catch (ConfigException.IO e) {
            // From what the file includes in turn (a classpath or url include): named, and not to be swallowed.
            throw new Unincludable(missing(e.origin() == null ? what : e.origin().description()));
        }
        if (included.origin().filename() != null) {
            includedFiles.add(included.origin().filename());
        }
        return included;
    }

    /**
     * {@code file} in the directory of the file being parsed, which the context only gives as the place of
     * a sibling: that of the directory entry {@code "."} (it exists whenever the including file does). When
     * the config is no file (a string, a classpath resource), {@code file} as it is.
     */
    private static File besideIncludingFile(ConfigIncludeContext context, File file) {
        ConfigParseable directory = context.relativeTo(".");
        String where = directory == null ? null : directory.origin().filename();
        return where == null ? file : new File(new File(where).getParentFile(), file.getPath());
    }

    /**
     * {@code include classpath(...)}, as HOCON does it, but a missing required one is an error HOCON's probing
     * of extensions cannot swallow when the file that holds it was included without its extension.
     */
    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
        try {
            // Read as no file: an include it holds is not looked for in the file that includes the resource.
            return sites.reading(List.of(),
                    () -> ConfigFactory.parseResourcesAnySyntax(what, context.parseOptions()).root());
        } catch (ConfigException.IO e) {
            throw new Unincludable("cannot read the included class path resource " + what);
        }
    }

    /** {@code what} as a URL when it parses as one with a protocol this JVM knows (HOCON's test), else null. */
    private static java.net.URL asUrl(String what) {
        try {
            return new java.net.URL(what);
        } catch (java.net.MalformedURLException notAUrl) {
            return null;
        }
    }

    /** The file a {@code file:} URL names, or null for another protocol or a URL that names no file. */
    private static File localFile(java.net.URL url) {
        if (!"file".equalsIgnoreCase(url.getProtocol())) {
            return null;
        }
        try {
            return new File(url.toURI());
        } catch (java.net.URISyntaxException | IllegalArgumentException notAFile) {
            return null; // HOCON's own read fails on it, and says so
        }
    }

    /** {@code include url(...)}: the same, for a URL, with timeouts ({@link UrlInclude}). */
    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, java.net.URL what) {
        return includeUrl(what, context.parseOptions());
    }

    private ConfigObject includeUrl(java.net.URL what, ConfigParseOptions options) {
        // A file: URL reaches the same files a file include does: /dev/zero would fill the heap, a pipe hold the read.
        refuseSpecialFile(localFile(what), what.toString());
        try {
            java.net.URL withTimeouts = UrlInclude.withTimeouts(what);
            return sites.reading(List.of(), () -> ConfigFactory.parseURL(withTimeouts, options).root());
        } catch (ConfigException.IO | java.net.MalformedURLException e) {
            UrlInclude.TooLarge tooLarge = UrlInclude.tooLarge(e);
            throw new Unincludable("cannot read the included URL " + what
                    + (tooLarge == null ? "" : " (" + tooLarge.getMessage() + ")"));
        } catch (ConfigException.BugOrBroken e) {
            if (!(e.getCause() instanceof java.io.IOException cause)) {
                throw e;
            }
            // What HOCON throws when the server is there but the read fails (refused, reset, timed out, a 503),
            // naming the URL it read: this one, or one included relative to it.
            String prefix = "Cannot load config from URL: ";
            String failed = e.getMessage() != null && e.getMessage().startsWith(prefix)
                    ? e.getMessage().substring(prefix.length()) : what.toString();
            throw new Unincludable("cannot read the included URL " + failed + " (" + UrlInclude.whyUnread(cause) + ")");
        }
    }

    /**
     * An include that cannot be made, with the operator's words for it. Not a {@link ConfigException.IO}:
     * HOCON catches those while it tries the extensions of an include without one, and would drop this
     * error when it is raised in a file included that way.
     */
    static final class Unincludable extends ConfigException {
        private static final long serialVersionUID = 1L;

        private final String problem;

        Unincludable(String problem) {
            super(problem);
            this.problem = problem;
        }

        /** What went wrong, without an origin prefix. */
        String problem() {
            return problem;
        }
    }
}
