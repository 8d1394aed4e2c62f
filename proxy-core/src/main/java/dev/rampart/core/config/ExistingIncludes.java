package dev.rampart.core.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigParseable;

import java.util.Set;

/**
 * Makes {@code include "name"} fail when there is nothing by that name to include. In plain HOCON such an
 * include is optional and a misspelt file name is skipped without a word, so the proxy would run on
 * defaults for whatever the file was to set (nginx refuses a missing include too). An include that finds
 * a file, an empty one included, is unchanged; so are {@code include required(...)}, {@code file(...)},
 * {@code url(...)} and {@code classpath(...)}, which do not come here.
 */
final class ExistingIncludes implements ConfigIncluder {

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
