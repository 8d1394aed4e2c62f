package dev.rampart.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's keytool, run in this JVM rather than as a process where the build lets it: a keytool process starts
 * a JVM, about half a second on a CI machine, and the certificate tests run it a few hundred times (one test of a
 * six-intermediate chain took 12 s of its 23). Its class is reachable only where the build opens its package (the
 * surefire argLine: {@code --add-opens java.base/sun.security.tools.keytool=ALL-UNNAMED}); elsewhere, as in an IDE
 * run without it, keytool runs as a process, as before.
 */
final class Keytool {

    private static final Constructor<?> CONSTRUCTOR;
    private static final Method RUN;

    static {
        Constructor<?> constructor = null;
        Method run = null;
        try {
            Class<?> main = Class.forName("sun.security.tools.keytool.Main");
            constructor = main.getDeclaredConstructor();
            constructor.setAccessible(true);
            run = main.getDeclaredMethod("run", String[].class, PrintStream.class);
            run.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            constructor = null; // not opened to this module: run it as a process
            run = null;
        }
        CONSTRUCTOR = constructor;
        RUN = run;
    }

    private Keytool() {
    }

    /** Runs keytool with {@code args}; {@link IllegalStateException} with its output when it fails. */
    static void run(List<String> args) {
        if (RUN != null) {
            inThisJvm(args);
        } else {
            asProcess(args);
        }
    }

    private static void inThisJvm(List<String> args) {
        List<String> command = new ArrayList<>(args);
        command.add("-debug"); // keytool then throws what it cannot do, instead of calling System.exit
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            RUN.invoke(CONSTRUCTOR.newInstance(), command.toArray(String[]::new),
                    new PrintStream(output, true, StandardCharsets.UTF_8));
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("keytool failed: " + output.toString(StandardCharsets.UTF_8),
                    e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void asProcess(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(args);
        try {
            Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
