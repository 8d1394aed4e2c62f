package dev.rampart.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the file watch follows: a config file reached through a symlink into another directory (a config tree
 * managed with stow or Ansible), or through a linked directory (a {@code current -> releases/N} layout): an
 * edit of the file it points to, or a switch of the link, is a change of the config, and reloads it; so is
 * its directory deleted and made again, or replaced by another.
 */
class ConfigFileWatchTest {

    @TempDir
    Path dir;
    private RampartServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown("test");
        }
    }

    private static String config(String body) {
        return """
                rampart {
                  server { host = "127.0.0.1", port = 0 }
                  admin { port = 0 }
                  access-log { enabled = false }
                  routes = [ { name = direct, respond { status = 200, body = "%s" } } ]
                }
                """.formatted(body);
    }

    @Test
    void editingTheLinkedFileInItsOwnDirectoryReloads() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real")).resolve("proxy.conf");
        Path link = Files.createDirectories(dir.resolve("link")).resolve("proxy.conf");
        Files.writeString(real, config("before"));
        Files.createSymbolicLink(link, Path.of("../real/proxy.conf"));
        ConfigSource source = ConfigSource.resolve(Optional.of(link));
        server = RampartServer.start(source, source.load(), false);
        awaitBody("before");

        Files.writeString(real, config("after")); // in place, in the target's directory: the link's does not change

        awaitBody("after");
    }

    @Test
    void switchingALinkedDirectoryReloadsAndTheOldReleaseIsNoLongerWatched() throws Exception {
        // releases/1 and releases/2 side by side, "current" pointing at one: switched with mv -T, as deploy tools do.
        Path one = release(1, "one");
        Path two = release(2, "two");
        Path current = dir.resolve("current");
        Files.createSymbolicLink(current, Path.of("releases/1"));
        ConfigSource source = ConfigSource.resolve(Optional.of(current.resolve("proxy.conf")));
        server = RampartServer.start(source, source.load(), false);
        awaitBody("one");

        switchLink(current, "releases/2");
        awaitBody("two");

        Files.writeString(two, config("three")); // the file in use now
        awaitBody("three");

        Files.writeString(one, config("stale")); // the release left behind: not the config any more
        Thread.sleep(3 * ConfigFileWatch.DEBOUNCE.toMillis());
        assertEquals(2.0, successfulReloads(), "the switch and the edit reloaded; the old release's edit did not");
    }

    @Test
    void switchingALinkReachedThroughAnotherLinkReloads() throws Exception {
        // current -> stage -> releases/1: the deploy tool switches "stage", the proxy was given "current".
        Path one = release(1, "one");
        Path two = release(2, "two");
        Path stage = Files.createSymbolicLink(dir.resolve("stage"), Path.of("releases/1"));
        Files.createSymbolicLink(dir.resolve("current"), Path.of("stage"));
        ConfigSource source = ConfigSource.resolve(Optional.of(dir.resolve("current/proxy.conf")));
        server = RampartServer.start(source, source.load(), false);
        awaitBody("one");

        switchLink(stage, "releases/2");
        awaitBody("two");

        Files.writeString(two, config("three"));
        awaitBody("three");
    }

    @Test
    void switchingTheLastLinkOfAChainOfFileLinksReloads() throws Exception {
        // etc/proxy.conf -> ../current.conf -> v1.conf
        Files.writeString(dir.resolve("v1.conf"), config("one"));
        Files.writeString(dir.resolve("v2.conf"), config("two"));
        Path current = Files.createSymbolicLink(dir.resolve("current.conf"), Path.of("v1.conf"));
        Path file = Files.createDirectories(dir.resolve("etc")).resolve("proxy.conf");
        Files.createSymbolicLink(file, Path.of("../current.conf"));
        ConfigSource source = ConfigSource.resolve(Optional.of(file));
        server = RampartServer.start(source, source.load(), false);
        awaitBody("one");

        switchLink(current, "v2.conf");

        awaitBody("two");
    }

    @Test
    void aPathThatGoesUpFromALinkedDirectoryIsWatchedWhereTheKernelResolvesIt() throws Exception {
        // cur -> rel/1, and the config given as cur/../common.conf: the kernel opens rel/common.conf.
        Files.createDirectories(dir.resolve("rel/1"));
        Path common = dir.resolve("rel/common.conf");
        Files.writeString(common, config("one"));
        Files.writeString(dir.resolve("common.conf"), config("decoy")); // where a textual ".." would lead
        Files.createSymbolicLink(dir.resolve("cur"), Path.of("rel/1"));
        ConfigSource source = ConfigSource.resolve(Optional.of(dir.resolve("cur/../common.conf")));
        server = RampartServer.start(source, source.load(), false);
        awaitBody("one");

        Files.writeString(common, config("two"));

        awaitBody("two");
    }

    @Test
    void aDirectoryDeletedAndMadeAgainIsWatchedAgain() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.writeString(conf.resolve("proxy.conf"), config("one"));
        ConfigSource source = ConfigSource.resolve(Optional.of(conf.resolve("proxy.conf")));
        server = RampartServer.start(source, source.load(), false);
        awaitBody("one");

        Files.delete(conf.resolve("proxy.conf"));
        Files.delete(conf);
        Thread.sleep(3 * ConfigFileWatch.DEBOUNCE.toMillis()); // gone for longer than a change takes to settle
        Files.createDirectories(conf); // rm -rf conf; mkdir conf; cp ... conf/
        Files.writeString(conf.resolve("proxy.conf"), config("two"));
        awaitBody("two");

        Files.writeString(conf.resolve("proxy.conf"), config("three")); // an edit in the new directory
        awaitBody("three");
    }

    @Test
    void aDirectoryReplacedByAnotherIsWatchedInItsPlace() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.writeString(conf.resolve("proxy.conf"), config("one"));
        Path next = Files.createDirectories(dir.resolve("conf.new"));
        Files.writeString(next.resolve("proxy.conf"), config("two"));
        ConfigSource source = ConfigSource.resolve(Optional.of(conf.resolve("proxy.conf")));
        server = RampartServer.start(source, source.load(), false);
        awaitBody("one");

        Files.move(conf, dir.resolve("conf.old"));
        Files.move(next, conf); // mv conf conf.old; mv conf.new conf
        awaitBody("two");

        Files.writeString(conf.resolve("proxy.conf"), config("three"));
        awaitBody("three");
        Files.writeString(dir.resolve("conf.old/proxy.conf"), config("stale")); // no longer the config
        Thread.sleep(3 * ConfigFileWatch.DEBOUNCE.toMillis());
        awaitBody("three");
    }

    @Test
    void aConfigMapUpdateSwappingTheDataLinkReloadsEachTime() throws Exception {
        // The kubelet's layout: proxy.conf -> ..data/proxy.conf, ..data -> ..<timestamp>; an update writes a new
        // timestamped directory, renames a new link over ..data, then removes the old directory.
        Files.createDirectories(dir.resolve("..2026_1"));
        Files.writeString(dir.resolve("..2026_1/proxy.conf"), config("one"));
        Files.createSymbolicLink(dir.resolve("..data"), Path.of("..2026_1"));
        Path file = Files.createSymbolicLink(dir.resolve("proxy.conf"), Path.of("..data/proxy.conf"));
        ConfigSource source = ConfigSource.resolve(Optional.of(file));
        server = RampartServer.start(source, source.load(), false);
        awaitBody("one");

        for (int update = 2; update <= 3; update++) {
            Files.createDirectories(dir.resolve("..2026_" + update));
            Files.writeString(dir.resolve("..2026_" + update + "/proxy.conf"), config("v" + update));
            switchLink(dir.resolve("..data"), "..2026_" + update);
            awaitBody("v" + update); // the swap itself tells, before the old directory's removal does
            Files.delete(dir.resolve("..2026_" + (update - 1) + "/proxy.conf"));
            Files.delete(dir.resolve("..2026_" + (update - 1)));
        }
    }

    /** {@code releases/N/proxy.conf}, answering {@code body}. */
    private Path release(int n, String body) throws Exception {
        Path file = Files.createDirectories(dir.resolve("releases/" + n)).resolve("proxy.conf");
        Files.writeString(file, config(body));
        return file;
    }

    /** Points {@code link} at {@code target} in one step, as {@code ln -s} and {@code mv -T} do in deploy tools. */
    private static void switchLink(Path link, String target) throws Exception {
        Path next = Files.createSymbolicLink(link.resolveSibling(link.getFileName() + ".next"), Path.of(target));
        Files.move(next, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private double successfulReloads() throws Exception {
        String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("rampart_config_reloads_total{result=\"success\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private void awaitBody(String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String body;
        while (!(body = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).equals(expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the proxy still answers \"" + body + "\", not \"" + expected + "\"");
            }
            Thread.sleep(50);
        }
    }
}
