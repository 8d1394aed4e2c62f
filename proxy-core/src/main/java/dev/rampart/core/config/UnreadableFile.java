package dev.rampart.core.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Why a file the config names (the config itself, a TLS or JWKS file) cannot be read, in words: a file the proxy's
 * user may not read is the usual reason where the files are root's and the proxy is not (a key left {@code 0600}),
 * and the operator needs to know which user that is, as nginx says {@code open() "..." failed (13: Permission
 * denied)}. Asked only once a file is known to be unreadable.
 */
final class UnreadableFile {

    private UnreadableFile() {
    }

    /** Why {@code file} cannot be read, found by opening it. */
    static String why(Path file) {
        try {
            Files.newByteChannel(file).close();
            return "unreadable";
        } catch (IOException e) {
            return why(e, processUser());
        }
    }

    /** Why a read failed with {@code e} (as {@link Files} throws it), for a process running as {@code user}. */
    static String why(IOException e, String user) {
        if (e instanceof AccessDeniedException) {
            return "permission denied to " + user;
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** {@code user nobody, uid 65534}: the uid too, as a container's arbitrary one has no name. */
    static String processUser() {
        String name = System.getProperty("user.name", "?");
        try {
            // /proc/self belongs to the process's effective user.
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return "user " + name + ", uid " + uid;
        } catch (IOException | RuntimeException e) {
            return "user " + name;
        }
    }
}
