package dev.longtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LanguageModel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streaming proven with the model paced by the client: the real stories260K model behind a wrapper whose decoding
 * waits, after each token, until the client has received that token's text. A server that buffered anything would
 * leave the model waiting for text the client never gets (the test then fails on the wrapper's time limit).
 */
class StreamingTest {

    static NDManager root;
    static LanguageModel real;

    @BeforeAll
    static void load() throws Exception {
        root = RealModels.cpuManager();
        real = RealModels.load(RealModels.stories260K(), root);
    }

    @AfterAll
    static void close() {
        real.close();
        root.close();
    }

    /** What the client has received so far; the model waits on it. */
    static final class ClientView {
        private final StringBuilder received = new StringBuilder();

        synchronized void append(String text) {
            received.append(text);
            notifyAll();
        }

        /** Waits until the client holds exactly {@code text}; false after 20 s. */
        synchronized boolean awaitExactly(String text) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!received.toString().equals(text)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || received.length() > text.length()) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    @Test
    void eachTokenReachesTheClientBeforeTheNextIsGenerated() throws Exception {
        ClientView client = new ClientView();
        List<String> late = new ArrayList<>();
        AtomicInteger tokens = new AtomicInteger();
        LanguageModel paced = new DelegatingModel(real) {
            @Override
            public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
                List<Integer> ids = new ArrayList<>();
                return super.generate(promptIds, options, id -> {
                    listener.onToken(id);
                    ids.add(id);
                    tokens.incrementAndGet();
                    // The text of the tokens so far (no stop strings here; stories260K's vocabulary is ASCII).
                    String expected = real.tokenizer().decode(ids.stream().mapToInt(Integer::intValue).toArray());
                    try {
                        // After one late token the verdict is in: do not wait 20 s for each of the others.
                        if (late.isEmpty() && !client.awaitExactly(expected)) {
                            late.add("token " + ids.size() + ": client had not received '" + expected + "'");
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
        };
        try (OpenAiServer server = OpenAiServer.start(paced, "paced", "127.0.0.1", 0)) {
            ObjectNode body = Http.JSON.createObjectNode();
            body.put("model", "paced");
            body.put("prompt", "Once upon a time");
            body.put("max_tokens", 30);
            body.put("temperature", 0);
            body.put("stream", true);
            Http.Stream s = new Http(server.baseUrl()).stream("/completions", body,
                    chunk -> client.append(chunk.at("/choices/0/text").asText()));
            assertEquals(List.of(), late, "every token's text reached the client while the model waited for it");
            assertTrue(s.done());
            assertTrue(tokens.get() >= 10, "a real stream of tokens, got " + tokens.get());
            // One chunk per token plus the final one (every stories260K token adds text).
            assertEquals(tokens.get() + 1, s.chunks().size());
            System.out.printf("streamed %d tokens, each received before the next was generated%n", tokens.get());
        }
    }

    @Test
    void aClientThatDropsMidStreamStopsItsGenerationAndTheServerKeepsServing() throws Exception {
        CountDownLatch firstTokenSent = new CountDownLatch(1);
        CountDownLatch clientGone = new CountDownLatch(1);
        AtomicInteger generated = new AtomicInteger();
        AtomicReference<Throwable> ended = new AtomicReference<>();
        CountDownLatch generationOver = new CountDownLatch(1);
        LanguageModel watched = new DelegatingModel(real) {
            @Override
            public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
                boolean dropTest = options.maxNewTokens() == 400;
                // Never stopping at EOS: only the disconnect can end this generation before 400 tokens.
                GenerationOptions o = dropTest ? new GenerationOptions(400, options.temperature(), options.topK(),
                        options.topP(), options.seed(), false) : options;
                try {
                    return super.generate(promptIds, o, id -> {
                        listener.onToken(id);
                        if (dropTest && generated.incrementAndGet() == 1) {
                            firstTokenSent.countDown();
                            await(clientGone);
                        }
                    });
                } catch (RuntimeException | Error e) {
                    if (dropTest) {
                        ended.set(e);
                    }
                    throw e;
                } finally {
                    if (dropTest) {
                        generationOver.countDown();
                    }
                }
            }
        };
        try (OpenAiServer server = OpenAiServer.start(watched, "watched", "127.0.0.1", 0)) {
            Http http = new Http(server.baseUrl());
            ObjectNode ask = OpenAiServerTest.completion("Once upon a time", 20);
            ask.put("model", "watched");
            String alone = http.post("/completions", ask).body().at("/choices/0/text").asText();
            // Native arrays alive after one request (weights, rotary tables, caches the model keeps for good).
            int arraysBefore = root.getManagedArrays().size();

            String body = "{\"model\":\"watched\",\"prompt\":\"Once upon a time\",\"max_tokens\":400,"
                    + "\"temperature\":0,\"stream\":true}";
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(bytes);
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null && !line.startsWith("data: {")) {
                    // status line, headers, chunk sizes
                }
                assertTrue(line != null && line.contains("\"text\""), "got the first chunk: " + line);
                assertTrue(firstTokenSent.await(10, TimeUnit.SECONDS));
            } // the client hangs up after its first chunk
            clientGone.countDown();

            assertTrue(generationOver.await(30, TimeUnit.SECONDS), "the dropped generation ended");
            assertTrue(generated.get() < 400, "stopped early: " + generated.get() + " of 400 tokens");
            assertTrue(ended.get() != null, "generate was interrupted, not run to its end");
            // The scheduler counts the cancellation just after generate() returned control to it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.cancelledGenerations() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, server.cancelledGenerations());
            System.out.printf("dropped client: generation stopped after %d of 400 tokens%n", generated.get());

            // The server goes on: the next request gets the same answer as before the drop.
            assertEquals(alone, http.post("/completions", ask).body().at("/choices/0/text").asText());
            // The cancelled generation's KV cache and step arrays were all freed.
            assertEquals(arraysBefore, root.getManagedArrays().size(), "native arrays after the dropped stream");
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test's client never hung up");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
