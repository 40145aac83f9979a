package dev.longtune.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events as OpenAI streams them: {@code data: <json>\n\n} per event, {@code data: [DONE]\n\n} at the
 * end. Every event is flushed to the client at once. A write to a client that went away throws
 * {@link IOException}, which is how the server learns to cancel the generation.
 */
final class SseWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final OutputStream out;

    SseWriter(OutputStream out) {
        this.out = out;
    }

    void event(JsonNode data) throws IOException {
        write("data: " + JSON.writeValueAsString(data) + "\n\n");
    }

    void done() throws IOException {
        write("data: [DONE]\n\n");
    }

    /** A comment line (ignored by SSE clients): keeps a waiting stream alive and finds a vanished client early. */
    void comment(String text) throws IOException {
        write(": " + text + "\n\n");
    }

    private void write(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
