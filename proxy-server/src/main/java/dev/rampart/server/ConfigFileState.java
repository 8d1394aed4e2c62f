package dev.rampart.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;

/**
 * The config file as it was when a reload began to read it: which file the path led to (a link swapped, a file
 * moved into place make another), its size, modification time and a digest of its bytes. The file watch compares
 * it with the file as it is: equal, the change it saw is one that reload already read (a tool that writes the file
 * and sends SIGHUP at once has its event arrive after the SIGHUP's read began), and it is not applied a second time.
 * A touched file (its time changed, a way to have certificates read again) is a change; the time alone is not
 * trusted to tell two versions apart, since a file system may give two writes the same one.
 */
final class ConfigFileState {

    private final Object fileKey;
    private final long size;
    private final long modifiedNanos;
    private final byte[] digest;

    private ConfigFileState(Object fileKey, long size, long modifiedNanos, byte[] digest) {
        this.fileKey = fileKey;
        this.size = size;
        this.modifiedNanos = modifiedNanos;
        this.digest = digest;
    }

    /** The state of {@code file} now (links followed), or null when it cannot be read: it then equals none. */
    static ConfigFileState of(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return null; // a pipe (--check's /dev/stdin) is never read twice
            }
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
            return new ConfigFileState(attributes.fileKey(), attributes.size(),
                    attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), digest);
        } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigFileState other && Objects.equals(fileKey, other.fileKey) && size == other.size
                && modifiedNanos == other.modifiedNanos && Arrays.equals(digest, other.digest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(fileKey, size, modifiedNanos, Arrays.hashCode(digest));
    }
}
