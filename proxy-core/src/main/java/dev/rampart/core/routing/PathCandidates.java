package dev.rampart.core.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The routes of one list (a host's bucket, say) that a path can possibly take, in configuration order, found
 * without testing every {@code path-prefix}: a character trie of the prefixes, where each node that ends one
 * or more prefixes holds every route whose prefix ends on the way to it (they are all prefixes of a path that
 * reaches that node), in configuration order. A lookup walks the path's characters as far as the trie goes and
 * returns the list of the last such node passed ({@link #prefixed}); the routes without a prefix, which any path
 * may take, are a list of their own ({@link #unprefixed}), and the caller tests the two merged in configuration
 * order, as it would the whole list. Routes left out are exactly those whose prefix the path does not start
 * with, which the whole scan would have turned down at their first test, before any regex could spend the
 * request's budget: the first match is the same route.
 *
 * <p>Worth it for long lists only: 2,000 prefix routes of one host cost the last of them ~2,000
 * {@code startsWith} calls per request. A short list is handed out whole, as is one whose trie would be
 * large for what it saves (prefixes nested so deep that each node repeats thousands of shorter ones; or a
 * prefix so long that the walk that builds the trie would go too deep). The routes without a prefix are not
 * repeated at every node: 5,000 prefix routes beside 200 regex routes made a million references that way,
 * past the limit, and every request then scanned all 5,200.
 */
final class PathCandidates {

    /** Below this many routes with a prefix, scanning them is as cheap as a walk: no trie. */
    static final int MIN_PREFIX_ROUTES = 16;
    /** Above this many route references in the candidate lists together, no trie (4 MB of references). */
    private static final long MAX_LISTED = 1_000_000;
    /** A prefix longer than this leaves the list without a trie (its build recurses once per character). */
    private static final int MAX_PREFIX_LENGTH = 1_000;

    private static final Route[] NONE = new Route[0];

    /** Every route of the list, in match order. */
    private final Route[] all;
    /** Null when the list has no trie: every path gets {@link #all}. */
    private final Node root;
    /** The routes without a prefix, in order, when there is a trie; else none (they are in {@link #all}). */
    private final Route[] unprefixed;

    private PathCandidates(Route[] all, Node root, Route[] unprefixed) {
        this.all = all;
        this.root = root;
        this.unprefixed = unprefixed;
    }

    private static PathCandidates whole(Route[] routes) {
        return new PathCandidates(routes, null, NONE);
    }

    /** The candidates of {@code routes}, given in match order. */
    static PathCandidates of(Route[] routes) {
        int prefixed = 0;
        for (Route route : routes) {
            String prefix = route.pathPrefix();
            if (prefix != null && prefix.length() > MAX_PREFIX_LENGTH) {
                return whole(routes);
            }
            prefixed += prefix == null ? 0 : 1;
        }
        if (prefixed < MIN_PREFIX_ROUTES) {
            return whole(routes);
        }
        Builder root = new Builder();
        List<Integer> unprefixed = new ArrayList<>();
        for (int i = 0; i < routes.length; i++) {
            String prefix = routes[i].pathPrefix();
            if (prefix != null) {
                root.descend(prefix).ends.add(i);
            } else {
                unprefixed.add(i);
            }
        }
        if (root.listed(0) > MAX_LISTED) {
            return whole(routes);
        }
        return new PathCandidates(routes, root.build(routes, List.of()), pick(routes, unprefixed));
    }

    /**
     * The routes with a prefix that {@code path} starts with, in match order; without a trie, every route of
     * the list. A path of null (no origin-form target) starts with none.
     */
    Route[] prefixed(String path) {
        if (root == null) {
            return all;
        }
        Route[] found = NONE;
        if (path == null) {
            return found;
        }
        Node node = root;
        for (int i = 0; i < path.length(); i++) {
            node = node.child(path.charAt(i));
            if (node == null) {
                break;
            }
            if (node.candidates != null) {
                found = node.candidates;
            }
        }
        return found;
    }

    /**
     * The routes without a prefix, which any path may take, in match order, to be tested merged with
     * {@link #prefixed}; none without a trie, where {@link #prefixed} has them already.
     */
    Route[] unprefixed() {
        return unprefixed;
    }

    private static Route[] pick(Route[] routes, List<Integer> indexes) {
        Route[] picked = new Route[indexes.size()];
        for (int i = 0; i < picked.length; i++) {
            picked[i] = routes[indexes.get(i)];
        }
        return picked;
    }

    /** A trie node as looked up: its children by character (sorted, for a binary search), its candidates. */
    private static final class Node {
        private final char[] keys;
        private final Node[] children;
        /** Null unless a prefix ends here. */
        private final Route[] candidates;

        Node(char[] keys, Node[] children, Route[] candidates) {
            this.keys = keys;
            this.children = children;
            this.candidates = candidates;
        }

        Node child(char c) {
            int at = Arrays.binarySearch(keys, c);
            return at < 0 ? null : children[at];
        }
    }

    /** A trie node while the index is built. */
    private static final class Builder {
        private final TreeMap<Character, Builder> children = new TreeMap<>();
        /** Indexes (in match order) of the routes whose prefix ends here. */
        private final List<Integer> ends = new ArrayList<>();

        Builder descend(String prefix) {
            Builder node = this;
            for (int i = 0; i < prefix.length(); i++) {
                node = node.children.computeIfAbsent(prefix.charAt(i), c -> new Builder());
            }
            return node;
        }

        /** How many route references the candidate lists of this subtree hold, {@code above} coming from above. */
        long listed(long above) {
            long here = above + ends.size();
            long total = ends.isEmpty() ? 0 : here;
            for (Builder child : children.values()) {
                total += child.listed(here);
            }
            return total;
        }

        /** The looked-up form of this subtree; {@code above} are the prefixed routes a path reaching here can take. */
        Node build(Route[] routes, List<Integer> above) {
            List<Integer> here = above;
            if (!ends.isEmpty()) {
                here = new ArrayList<>(above);
                here.addAll(ends);
                here.sort(null); // match order: the union of sorted index lists, sorted again
            }
            char[] keys = new char[children.size()];
            Node[] built = new Node[children.size()];
            int i = 0;
            for (var child : children.entrySet()) {
                keys[i] = child.getKey();
                built[i] = child.getValue().build(routes, here);
                i++;
            }
            return new Node(keys, built, ends.isEmpty() ? null : pick(routes, here));
        }
    }
}
