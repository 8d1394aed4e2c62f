package dev.rampart.core.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.typesafe.config.ConfigUtil;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A config laid out once as a tree and written two ways: HOCON for {@code --check} and JSON for
 * {@code /admin/routes}. One tree keeps the two outputs from drifting apart key by key.
 */
final class RenderTree {

    /** A key HOCON reads back as the same word when written bare. */
    private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    private RenderTree() {
    }

    sealed interface Node permits Obj, Arr, Str, Token, Num, Bool {
    }

    /** An object; fields keep insertion order. A field with a null value is a comment line only. */
    record Obj(List<Field> fields) implements Node {
        Obj() {
            this(new ArrayList<>());
        }

        Obj put(String key, Node value) {
            fields.add(new Field(key, value, null));
            return this;
        }

        Obj put(String key, Node value, String comment) {
            fields.add(new Field(key, value, comment));
            return this;
        }

        /** A comment where an absent optional key would go, so the reader sees it was considered. */
        Obj note(String comment) {
            fields.add(new Field(null, null, comment));
            return this;
        }
    }

    record Field(String key, Node value, String comment) {
    }

    record Arr(List<Node> items) implements Node {
    }

    /** A quoted string in both forms. */
    record Str(String value) implements Node {
    }

    /** Written bare in HOCON ({@code 250ms}, {@code round-robin}, {@code GET}) and as a string in JSON. */
    record Token(String value) implements Node {
    }

    /** A number, already in its written form. */
    record Num(String text) implements Node {
    }

    record Bool(boolean value) implements Node {
    }

    // ---------------------------------------------------------------- HOCON

    static String hocon(Obj root) {
        StringBuilder out = new StringBuilder();
        writeFields(root, 0, out);
        return out.toString();
    }

    private static void writeFields(Obj obj, int depth, StringBuilder out) {
        for (Field f : obj.fields()) {
            indent(depth, out);
            if (f.value() == null) {
                out.append("# ").append(f.comment()).append('\n');
                continue;
            }
            out.append(key(f.key()));
            out.append(f.value() instanceof Obj ? " " : " = ");
            writeValue(f.value(), depth, out);
            if (f.comment() != null) {
                out.append("  # ").append(f.comment());
            }
            out.append('\n');
        }
    }

    private static void writeValue(Node node, int depth, StringBuilder out) {
        if (node instanceof Obj obj) {
            out.append("{\n");
            writeFields(obj, depth + 1, out);
            indent(depth, out);
            out.append('}');
        } else if (node instanceof Arr arr) {
            boolean multiline = arr.items().stream().anyMatch(n -> n instanceof Obj);
            out.append('[');
            for (int i = 0; i < arr.items().size(); i++) {
                if (multiline) {
                    out.append('\n');
                    indent(depth + 1, out);
                } else if (i > 0) {
                    out.append(", ");
                }
                writeValue(arr.items().get(i), depth + 1, out);
                if (multiline && i < arr.items().size() - 1) {
                    out.append(',');
                }
            }
            if (multiline) {
                out.append('\n');
                indent(depth, out);
            }
            out.append(']');
        } else if (node instanceof Str s) {
            out.append(ConfigUtil.quoteString(s.value()));
        } else if (node instanceof Token t) {
            out.append(t.value());
        } else if (node instanceof Num n) {
            out.append(n.text());
        } else if (node instanceof Bool b) {
            out.append(b.value());
        }
    }

    /** A key as HOCON reads it back: bare when it is a plain word, quoted otherwise and when it is {@code include}. */
    private static String key(String key) {
        return BARE_KEY.matcher(key).matches() && !key.equals("include") ? key : ConfigUtil.quoteString(key);
    }

    private static void indent(int depth, StringBuilder out) {
        out.append("  ".repeat(depth));
    }

    // ---------------------------------------------------------------- JSON

    static String json(Obj root) {
        StringWriter out = new StringWriter();
        try (JsonGenerator gen = new JsonFactory().createGenerator(out)) {
            gen.useDefaultPrettyPrinter();
            writeJson(root, gen);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a StringWriter cannot fail", e);
        }
        return out.toString();
    }

    private static void writeJson(Node node, JsonGenerator gen) throws IOException {
        if (node instanceof Obj obj) {
            gen.writeStartObject();
            for (Field f : obj.fields()) {
                if (f.value() != null) {
                    gen.writeFieldName(f.key());
                    writeJson(f.value(), gen);
                }
            }
            gen.writeEndObject();
        } else if (node instanceof Arr arr) {
            gen.writeStartArray();
            for (Node item : arr.items()) {
                writeJson(item, gen);
            }
            gen.writeEndArray();
        } else if (node instanceof Str s) {
            gen.writeString(s.value());
        } else if (node instanceof Token t) {
            gen.writeString(t.value());
        } else if (node instanceof Num n) {
            gen.writeNumber(n.text());
        } else if (node instanceof Bool b) {
            gen.writeBoolean(b.value());
        }
    }
}
