package io.plank.testsupport.server;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Excerpts of server logs for failure messages: never the whole file. */
public final class Logs {

    private static final int MAX_CHARS = 30_000;

    private Logs() {
    }

    /** The last {@code lines} lines of {@code file}, or a note that it does not exist. */
    public static String tail(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return "(no " + file + ")";
        }
        try {
            long size = Files.size(file);
            String text = since(file, Math.max(0, size - MAX_CHARS));
            List<String> all = text.lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(could not read " + file + ": " + e.getMessage() + ")";
        }
    }

    /** What was written to {@code file} after byte {@code position}, at most the last 30,000 characters. */
    public static String since(Path file, long position) {
        if (!Files.isRegularFile(file)) {
            return "";
        }
        try (var in = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(position, in.length() - MAX_CHARS);
            if (start >= in.length()) {
                return "";
            }
            byte[] bytes = new byte[(int) (in.length() - start)];
            in.seek(start);
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(could not read " + file + ": " + e.getMessage() + ")";
        }
    }

    /** The current size of {@code file}: a position for {@link #since(Path, long)}. */
    public static long size(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
