package dev.rampart.core.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One HOCON object being bound to a record: typed getters that fall back to a default, report
 * a wrong value to {@link Problems} (and then return the default, so binding goes on and finds the
 * next problem), and remember which keys were asked for. {@link #finish()} then reports every
 * key nobody asked for as unknown, with the closest known key as a hint. The known keys are thus
 * exactly the keys the binder reads; there is no second list to keep in step.
 *
 * <p>An explicit {@code null} counts as absent, as in Typesafe Config's own getters.
 */
final class ConfigSection {

    private final String path;
    private final ConfigObject object;
    private final ConfigOrigin origin;
    private final Problems problems;
    /**
     * The keys asked for, in the order first asked, repeats and all: a list, not a set. A binder asks for every
     * setting with its default, tens per route, and a hashed set of them was a third of what a reload of 5,000
     * routes allocated; the few keys a section holds are looked up in it once, in {@link #finish}.
     */
    private final List<String> known = new ArrayList<>();

    ConfigSection(String path, ConfigObject object, ConfigOrigin origin, Problems problems) {
        this.path = path;
        this.object = object;
        this.origin = origin;
        this.problems = problems;
    }

    String path() {
        return path;
    }

    /** The path of a key of this section, quoted where HOCON would need it. */
    String path(String key) {
        return childPath(path, key);
    }

    /** The path of {@code key} under {@code parent} (empty for the root), quoted where HOCON would need it. */
    static String childPath(String parent, String key) {
        String k = isBareKey(key) ? key : ConfigUtil.quoteString(key);
        return parent.isEmpty() ? k : parent + "." + k;
    }

    /**
     * Whether {@code key} is one or more of {@code [A-Za-z0-9_-]}, written bare in a path. A loop, not a regex: every
     * key a binder reads makes a path, and a reload of thousands of routes compiled the pattern a million times.
     */
    static boolean isBareKey(String key) {
        if (key.isEmpty()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    ConfigOrigin origin() {
        return origin;
    }

    Problems problems() {
        return problems;
    }

    /** Reports a problem about this section as a whole (e.g. two keys that exclude each other). */
    void problem(String message) {
        problems.add(path, message, origin);
    }

    /** Reports a problem about one key of this section. */
    void problem(String key, String message) {
        ConfigValue v = object.get(key);
        problems.add(path(key), message, v == null ? origin : v.origin());
    }

    /** Marks the key as known and returns its value, or null when absent or null. */
    ConfigValue value(String key) {
        known.add(key);
        ConfigValue v = object.get(key);
        return v == null || v.valueType() == ConfigValueType.NULL ? null : v;
    }

    boolean has(String key) {
        return value(key) != null;
    }

    /**
     * Every key present, in file order, for sections whose keys are names (upstreams, headers) rather
     * than settings. Typesafe Config keeps object keys in hash order, so file order is recovered from
     * each value's line.
     */
    List<String> keys() {
        known.addAll(object.keySet());
        List<String> keys = new ArrayList<>(object.keySet());
        keys.sort(Comparator.comparingInt((String k) -> object.get(k).origin().lineNumber())
                .thenComparing(Comparator.naturalOrder()));
        return keys;
    }

    String string(String key, String defaultValue) {
        return optionalString(key).orElse(defaultValue);
    }

    Optional<String> optionalString(String key) {
        ConfigValue v = value(key);
        return v == null ? Optional.empty() : Optional.ofNullable(ValueReader.string(v, path(key), problems));
    }

    boolean bool(String key, boolean defaultValue) {
        ConfigValue v = value(key);
        Boolean b = v == null ? null : ValueReader.bool(v, path(key), problems);
        return b == null ? defaultValue : b;
    }

    /** An int in {@code [min, max]}. */
    int integer(String key, int defaultValue, int min, int max) {
        String range = max == Integer.MAX_VALUE ? "a number >= " + min : "a number " + min + "-" + max;
        return integer(key, defaultValue, min, max, range);
    }

    int integer(String key, int defaultValue, int min, int max, String range) {
        ConfigValue v = value(key);
        Long n = v == null ? null : ValueReader.whole(v, path(key), min, max, range, problems);
        return n == null ? defaultValue : n.intValue();
    }

    /** A listening port; 0 asks the OS for a free one, which tests and sidecar launchers rely on. */
    int port(String key, int defaultValue) {
        return integer(key, defaultValue, 0, 65535, "a port 0-65535");
    }

    double decimal(String key, double defaultValue, double min, double max, String range) {
        ConfigValue v = value(key);
        Double d = v == null ? null : ValueReader.decimal(v, path(key), min, max, range, problems);
        return d == null ? defaultValue : d;
    }

    /** A percentage, 0 to 100 inclusive. */
    double percent(String key, double defaultValue) {
        return decimal(key, defaultValue, 0, 100, "a percentage 0-100");
    }

    /** A duration > 0. */
    Duration duration(String key, Duration defaultValue) {
        return duration(key, defaultValue, false);
    }

    /** A duration >= 0, for keys where zero means "off". */
    Duration durationOrZero(String key, Duration defaultValue) {
        return duration(key, defaultValue, true);
    }

    private Duration duration(String key, Duration defaultValue, boolean allowZero) {
        ConfigValue v = value(key);
        Duration d = v == null ? null : ValueReader.duration(v, path(key), allowZero, problems);
        return d == null ? defaultValue : d;
    }

    long size(String key, long defaultValue, long min, long max) {
        ConfigValue v = value(key);
        Long n = v == null ? null : ValueReader.size(v, path(key), min, max, problems);
        return n == null ? defaultValue : n;
    }

    /** A size, or the word {@code auto} in any case, as every other word a key takes (and absent) for its stand-in value. */
    long sizeOrAuto(String key, long auto) {
        ConfigValue v = value(key);
        if (v == null || v.unwrapped() instanceof String word && word.trim().equalsIgnoreCase("auto")) {
            return auto;
        }
        Long n = ValueReader.size(v, path(key), 0, Long.MAX_VALUE, new Problems()); // judged here, said below
        if (n == null) {
            ValueReader.mismatch(path(key), "a whole size (e.g. 512m) or auto", v, problems);
            return auto;
        }
        return n;
    }

    <E extends Enum<E>> E choice(String key, E defaultValue, E[] choices, Function<E, String> configName) {
        ConfigValue v = value(key);
        E e = v == null ? null : ValueReader.choice(v, path(key), choices, configName, problems);
        return e == null ? defaultValue : e;
    }

    /** The elements of a list, or empty when absent; a non-list is reported. */
    Optional<List<ConfigValue>> list(String key) {
        ConfigValue v = value(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v.valueType() != ConfigValueType.LIST) {
            ValueReader.mismatch(path(key), "a list", v, problems);
            return Optional.empty();
        }
        return Optional.of(new ArrayList<>((ConfigList) v));
    }

    /** What a binder does with one string element of a list: its text, its value (for origins) and its path. */
    @FunctionalInterface
    interface StringElement {
        void accept(String text, ConfigValue value, String path);
    }

    /**
     * Hands each element of {@code values}, the list under {@code key}, to {@code element} as a string with its
     * path ({@code key[i]}); an element that is not a string (an object, a list) is reported and skipped.
     */
    void forEachString(String key, List<ConfigValue> values, StringElement element) {
        for (int i = 0; i < values.size(); i++) {
            ConfigValue value = values.get(i);
            String elementPath = path(key) + "[" + i + "]";
            String text = ValueReader.string(value, elementPath, problems);
            if (text != null) {
                element.accept(text, value, elementPath);
            }
        }
    }

    /** A nested section; absent gives an empty one, so its defaults still apply. */
    ConfigSection section(String key) {
        return optionalSection(key).orElseGet(() -> new ConfigSection(path(key), emptyObject(), origin, problems));
    }

    /** A nested section, or empty when the key is absent or not an object (the latter is reported). */
    Optional<ConfigSection> optionalSection(String key) {
        ConfigValue v = value(key);
        if (v == null) {
            return Optional.empty();
        }
        return asSection(v, path(key), problems);
    }

    /** A value that must be an object, as a section (list elements and named entries use this). */
    static Optional<ConfigSection> asSection(ConfigValue value, String path, Problems problems) {
        if (value.valueType() != ConfigValueType.OBJECT) {
            ValueReader.mismatch(path, "an object", value, problems);
            return Optional.empty();
        }
        return Optional.of(new ConfigSection(path, (ConfigObject) value, value.origin(), problems));
    }

    /** Reports every key of this section that no getter asked for. */
    void finish() {
        for (String key : object.keySet()) {
            if (!known.contains(key)) {
                String hint = DidYouMean.hint(key, new LinkedHashSet<>(known));
                problems.add(path(key), "unknown key" + (hint.isEmpty() ? MisplacedKeys.hint(path, key) : hint),
                        object.get(key).origin());
            }
        }
    }

    private ConfigObject emptyObject() {
        return com.typesafe.config.ConfigFactory.empty().root();
    }
}
