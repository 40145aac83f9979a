package dev.longtune.eval.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers already paid for, as JSON Lines ({@code {"key": …, "model": …, "content": …}}), appended and flushed to
 * the operating system as each answer arrives, so an evaluation killed midway keeps every answer it received and the
 * next one asks only for the rest. The key is the SHA-256 of the request that matters for the answer: model,
 * messages, temperature and max_tokens (not the URL: the same model behind another address answers the same).
 *
 * <p>A last line cut short (the process died while writing it) is cut off with a warning, so the file is whole again
 * and that answer is asked for once more; a damaged line anywhere else means the file is not ours or was edited,
 * and is an error naming it.
 */
final class ResponseCache implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final OutputStream out;

    private ResponseCache(Path file) throws IOException {
        this.file = file;
        if (Files.exists(file)) {
            load();
        } else {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        // Unbuffered: each line goes to the OS in one write, so a kill never loses an answer already received.
        this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
    }

    static ResponseCache open(Path file) throws IOException {
        return new ResponseCache(file);
    }

    /** The cache key of a request body made by {@link ChatEndpoint#body}. */
    static String key(String model, List<ChatEndpoint.Message> messages, double temperature, int maxTokens) {
        ObjectNode body = ChatEndpoint.body(model, messages, temperature, maxTokens);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(JSON.writeValueAsBytes(body)));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Optional<String> get(String key) {
        return Optional.ofNullable(answers.get(key));
    }

    /** Records an answer and appends it to the file at once. */
    synchronized void put(String key, String model, String content) throws IOException {
        answers.put(key, content);
        ObjectNode line = JSON.createObjectNode().put("key", key).put("model", model).put("content", content);
        String text = JSON.writeValueAsString(line) + "\n";
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    int size() {
        return answers.size();
    }

    Path file() {
        return file;
    }

    /** What loading found worth telling the user (a cut-short last line). */
    List<String> warnings() {
        return List.copyOf(warnings);
    }

    private void load() throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int lineNo = 0;
        for (int start = 0; start < bytes.length; ) {
            int newline = indexOf(bytes, (byte) '\n', start);
            int end = newline < 0 ? bytes.length : newline;
            int next = newline < 0 ? bytes.length : newline + 1;
            lineNo++;
            String line = new String(bytes, start, end - start, StandardCharsets.UTF_8);
            if (!line.isBlank()) {
                JsonNode node = parse(line);
                if (node != null && node.path("key").isTextual() && node.path("content").isTextual()) {
                    answers.put(node.get("key").asText(), node.get("content").asText());
                } else if (isBlank(bytes, next)) {
                    // The last entry, cut short by a kill: cut it off, so the file is whole again and the next
                    // answer starts on a line of its own.
                    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                        channel.truncate(start);
                    }
                    warnings.add(file + ":" + lineNo + ": removed a damaged last line (an evaluation stopped while "
                            + "writing it); that answer will be asked for again");
                    return;
                } else {
                    throw new LongtuneException(file + ":" + lineNo + ": not a judge cache entry (expected "
                            + "{\"key\", \"model\", \"content\"}). Point 'cache' at another file, or delete this one to "
                            + "ask every question again.");
                }
            }
            start = next;
        }
        if (bytes.length > 0 && bytes[bytes.length - 1] != '\n') {
            // A whole last entry without its newline (written by hand, or cut exactly before it).
            Files.write(file, new byte[] {'\n'}, StandardOpenOption.APPEND);
        }
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** Whether nothing but whitespace follows {@code from}. */
    private static boolean isBlank(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (!Character.isWhitespace(bytes[i])) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
