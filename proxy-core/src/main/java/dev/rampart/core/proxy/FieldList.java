package dev.rampart.core.proxy;

import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.AsciiString;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * The header fields of a head (or trailers), decoded or to be sent, kept as a plain list in the order they
 * were added, names compared without case. Netty's {@code DefaultHttpHeaders} hashes every name into a
 * 16-bucket table and links each entry three ways, which a proxied head (ten or so fields, each looked up a
 * few times and then written out once) does not need: a scan of a short array costs less than hashing the
 * name, and the list allocates half as much.
 *
 * <p>Behaves as {@code DefaultHttpHeaders} without validation does, order included: {@code set} removes
 * every line of the name and adds the new one at the end; values are converted the same way
 * ({@link FieldValues}); the iterator is read-only. A list the decoders fill checks names and values as
 * their maps did; one for a head the proxy makes checks nothing, as the maps it replaces did not: its
 * lines come from a checked head or from the proxy itself.
 */
public final class FieldList extends HttpHeaders {

    private static final int INITIAL_CAPACITY = 16;
    private static final FieldLine[] NO_FIELDS = new FieldLine[0];
    private static final DefaultHeaders.NameValidator<CharSequence> NOT_CHECKED = name -> { };
    private static final DefaultHeaders.ValueValidator<CharSequence> NO_CHECK = value -> { };

    /** Past this many lines an addition is refused (a decoder then refuses the head as too large). */
    private final int maxLines;
    private final DefaultHeaders.NameValidator<CharSequence> names;
    private final DefaultHeaders.ValueValidator<CharSequence> values;
    private FieldLine[] fields;
    private int size;

    /** A list for a head the proxy makes: nothing validated. */
    FieldList() {
        this(INITIAL_CAPACITY, Integer.MAX_VALUE, NOT_CHECKED, NO_CHECK);
    }

    /**
     * A list whose names and values are checked as they are added, by the checks Netty's decoders give
     * their own maps ({@link FieldListFactory}); {@code capacity} 0 allocates no array until a line comes.
     */
    FieldList(int capacity, int maxLines, DefaultHeaders.NameValidator<CharSequence> names,
              DefaultHeaders.ValueValidator<CharSequence> values) {
        this.maxLines = maxLines;
        this.names = names;
        this.values = values;
        fields = capacity == 0 ? NO_FIELDS : new FieldLine[capacity];
    }

    private static boolean sameName(CharSequence a, CharSequence b) {
        return AsciiString.contentEqualsIgnoreCase(a, b);
    }

    private int indexOf(CharSequence name, int from) {
        for (int i = from; i < size; i++) {
            if (sameName(fields[i].name, name)) {
                return i;
            }
        }
        return -1;
    }

    private CharSequence first(CharSequence name) {
        int i = indexOf(name, 0);
        return i < 0 ? null : fields[i].value;
    }

    /** Adds a line as a decoder does, within the limit of lines. */
    private void append(CharSequence name, CharSequence value) {
        if (size >= maxLines) {
            throw new TooLongHttpHeaderException("more than " + maxLines + " header fields");
        }
        appendPastLimit(name, value);
    }

    /**
     * Adds a line whatever the limit: for {@code set}, which the decoders never call, so that the proxy's own
     * change to a full head (the Host an HTTP/1.0 target names) cannot fail.
     */
    private void appendPastLimit(CharSequence name, CharSequence value) {
        names.validateName(Objects.requireNonNull(name, "name"));
        values.validate(value);
        if (size == fields.length) {
            fields = Arrays.copyOf(fields, Math.max(4, size * 2));
        }
        fields[size++] = new FieldLine(name, value);
    }

    // Reading

    @Override
    public String get(String name) {
        return get((CharSequence) name);
    }

    @Override
    public String get(CharSequence name) {
        CharSequence value = first(name);
        return value == null ? null : value.toString();
    }

    @Override
    public Integer getInt(CharSequence name) {
        return FieldValues.toInt(first(name));
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        Integer value = getInt(name);
        return value == null ? defaultValue : value;
    }

    @Override
    public Short getShort(CharSequence name) {
        return FieldValues.toShort(first(name));
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        Short value = getShort(name);
        return value == null ? defaultValue : value;
    }

    @Override
    public Long getTimeMillis(CharSequence name) {
        return FieldValues.toMillis(first(name));
    }

    @Override
    public long getTimeMillis(CharSequence name, long defaultValue) {
        Long value = getTimeMillis(name);
        return value == null ? defaultValue : value;
    }

    @Override
    public List<String> getAll(String name) {
        return getAll((CharSequence) name);
    }

    @Override
    public List<String> getAll(CharSequence name) {
        List<String> values = new ArrayList<>(2);
        for (int i = 0; i < size; i++) {
            if (sameName(fields[i].name, name)) {
                values.add(fields[i].value.toString());
            }
        }
        return values;
    }

    @Override
    public List<Map.Entry<String, String>> entries() {
        List<Map.Entry<String, String>> entries = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            entries.add(new AbstractMap.SimpleEntry<>(fields[i].name.toString(), fields[i].value.toString()));
        }
        return entries;
    }

    @Override
    public boolean contains(String name) {
        return indexOf(name, 0) >= 0;
    }

    @Override
    public boolean contains(CharSequence name) {
        return indexOf(name, 0) >= 0;
    }

    @Override
    public boolean contains(String name, String value, boolean ignoreCase) {
        return contains((CharSequence) name, value, ignoreCase);
    }

    /** Whether a line of the name has exactly this value (its case ignored if asked), as Netty's maps answer. */
    @Override
    public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
        for (int i = 0; i < size; i++) {
            FieldLine f = fields[i];
            if (sameName(f.name, name) && (ignoreCase ? AsciiString.contentEqualsIgnoreCase(f.value, value)
                    : AsciiString.contentEquals(f.value, value))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a line of the name lists this value among its comma-separated elements, each trimmed of
     * spaces and tabs (what Netty's encoders ask of {@code Transfer-Encoding}), without copying a line.
     */
    @Override
    public boolean containsValue(CharSequence name, CharSequence value, boolean ignoreCase) {
        for (int i = 0; i < size; i++) {
            FieldLine f = fields[i];
            if (sameName(f.name, name) && ListElements.lists(f.value, value, ignoreCase)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return entries().iterator();
    }

    @Override
    public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
        return new Iterator<>() { // read-only, as Netty's is
            private int next;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public Map.Entry<CharSequence, CharSequence> next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                return fields[next++];
            }
        };
    }

    @Override
    public Iterator<? extends CharSequence> valueCharSequenceIterator(CharSequence name) {
        List<CharSequence> values = new ArrayList<>(2);
        for (int i = 0; i < size; i++) {
            if (sameName(fields[i].name, name)) {
                values.add(fields[i].value);
            }
        }
        return values.iterator();
    }

    @Override
    public Iterator<String> valueStringIterator(CharSequence name) {
        return getAll(name).iterator();
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public int size() {
        return size;
    }

    /** The names, each once in the spelling of its first line, in order (a set, so that many lines cost no more). */
    @Override
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < size; i++) {
            String name = fields[i].name.toString();
            if (seen.add(name.toLowerCase(Locale.ROOT))) {
                names.add(name);
            }
        }
        return names;
    }

    // Changing

    @Override
    public HttpHeaders add(String name, Object value) {
        return add((CharSequence) name, value);
    }

    @Override
    public HttpHeaders add(CharSequence name, Object value) {
        append(name, FieldValues.text(value));
        return this;
    }

    @Override
    public HttpHeaders add(String name, Iterable<?> values) {
        return add((CharSequence) name, values);
    }

    @Override
    public HttpHeaders add(CharSequence name, Iterable<?> values) {
        for (Object value : values) {
            append(name, FieldValues.text(value));
        }
        return this;
    }

    @Override
    public HttpHeaders addInt(CharSequence name, int value) {
        append(name, Integer.toString(value));
        return this;
    }

    @Override
    public HttpHeaders addShort(CharSequence name, short value) {
        append(name, Short.toString(value));
        return this;
    }

    @Override
    public HttpHeaders set(String name, Object value) {
        return set((CharSequence) name, value);
    }

    @Override
    public HttpHeaders set(CharSequence name, Object value) {
        CharSequence text = FieldValues.text(value);
        names.validateName(Objects.requireNonNull(name, "name"));
        values.validate(text); // checked first: a bad line leaves the lines as they were
        remove(name);
        appendPastLimit(name, text);
        return this;
    }

    @Override
    public HttpHeaders set(String name, Iterable<?> values) {
        return set((CharSequence) name, values);
    }

    @Override
    public HttpHeaders set(CharSequence name, Iterable<?> values) {
        remove(name);
        return add(name, values);
    }

    @Override
    public HttpHeaders setInt(CharSequence name, int value) {
        return set(name, Integer.toString(value));
    }

    @Override
    public HttpHeaders setShort(CharSequence name, short value) {
        return set(name, Short.toString(value));
    }

    @Override
    public HttpHeaders remove(String name) {
        return remove((CharSequence) name);
    }

    @Override
    public HttpHeaders remove(CharSequence name) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (!sameName(fields[i].name, name)) {
                fields[kept++] = fields[i];
            }
        }
        Arrays.fill(fields, kept, size, null);
        size = kept;
        return this;
    }

    @Override
    public HttpHeaders clear() {
        Arrays.fill(fields, 0, size, null);
        size = 0;
        return this;
    }

    /** A list of the same lines, not checked again (they were as they came in, as Netty's copies are not). */
    @Override
    public HttpHeaders copy() {
        FieldList copy = new FieldList(Math.max(size, 4), maxLines, names, values);
        for (int i = 0; i < size; i++) {
            copy.fields[i] = new FieldLine(fields[i].name, fields[i].value);
        }
        copy.size = size;
        return copy;
    }
}
