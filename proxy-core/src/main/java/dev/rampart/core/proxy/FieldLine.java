package dev.rampart.core.proxy;

import java.util.Map;
import java.util.Objects;

/**
 * One field line of a {@link FieldList}. Its value may be replaced through the entry, unchecked as Netty's
 * entries are: only the proxy's own code holds one.
 */
final class FieldLine implements Map.Entry<CharSequence, CharSequence> {

    final CharSequence name;
    CharSequence value;

    FieldLine(CharSequence name, CharSequence value) {
        this.name = name;
        this.value = value;
    }

    @Override
    public CharSequence getKey() {
        return name;
    }

    @Override
    public CharSequence getValue() {
        return value;
    }

    @Override
    public CharSequence setValue(CharSequence newValue) {
        CharSequence old = value;
        value = Objects.requireNonNull(newValue, "value");
        return old;
    }

    @Override
    public String toString() {
        return name + "=" + value;
    }
}
