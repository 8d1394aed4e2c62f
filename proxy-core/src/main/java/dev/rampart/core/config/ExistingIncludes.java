package dev.rampart.core.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigParseable;

import java.io.File;
import java.util.Set;

/**
 * Makes {@code include "name"} fail when there is nothing by that name to include. In plain HOCON such an
 * include is optional and a misspelt file name is skipped without a word, so the proxy would run on
 * defaults for whatever the file was to set (nginx refuses a missing include too). An include that finds
 * a file, an empty one included, is unchanged; so are {@code include required(...)}, {@code file(...)},
 * {@code url(...)} and {@code classpath(...)}, which do not come here.
 */
final class ExistingIncludes implements ConfigIncluder, ConfigIncluderFile {

    private final ConfigIncluder fallback;
    /** The files included so far, by name, for checks that read them again (see {@link Utf8Damage}). */
    private final Set<String> includedFiles;

    ExistingIncludes(ConfigIncluder fallback, Set<String> includedFiles) {
        this.fallback = fallback;
        this.includedFiles = includedFiles;
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder next) {
        return next == fallback ? this : new ExistingIncludes(next, includedFiles);
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        ConfigObject included = fallback.include(context, what);
        if (included.origin().filename() != null) {
            includedFiles.add(included.origin().filename());
        }
        if (included.isEmpty() && !foundAsFile(context, what)) {
            throw new ConfigException.IO(ConfigOriginFactory.newSimple(what),
                    "no file " + what + " to include (write include file(...) for a file that may be absent)");
        }
        return included;
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
        ConfigObject included = ConfigFactory.parseFileAnySyntax(located, context.parseOptions()).root();
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
     * Whether {@code what}, as given or with one of the extensions HOCON tries, names a file next to the
     * including one: only then does its origin have a file name.
     */
    private static boolean foundAsFile(ConfigIncludeContext context, String what) {
        for (String extension : new String[] {"", ".conf", ".json", ".properties"}) {
            ConfigParseable sibling = context.relativeTo(what + extension);
            if (sibling != null && sibling.origin().filename() != null) {
                return true;
            }
        }
        return false;
    }
}
