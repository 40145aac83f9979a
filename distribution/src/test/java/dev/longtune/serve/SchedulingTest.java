package dev.longtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LanguageModel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One generation at a time, first come first served, and a full queue refused with an OpenAI-style 503. */
class SchedulingTest {

    @Test
    void aFullQueueGets503AndWaitingRequestsRunInArrivalOrder() throws Exception {
        try (NDManager root = RealModels.cpuManager();
                LanguageModel real = RealModels.load(RealModels.stories260K(), root)) {
            CountDownLatch firstStarted = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            List<Integer> order = new CopyOnWriteArrayList<>();
            LanguageModel held = new DelegatingModel(real) {
                @Override
                public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
                    order.add(options.maxNewTokens());
                    if (options.maxNewTokens() == 5) {
                        firstStarted.countDown();
                        try {
                            assertTrue(release.await(30, TimeUnit.SECONDS));
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return super.generate(promptIds, options, listener);
                }
            };
            try (OpenAiServer server = OpenAiServer.start(held, "held", "127.0.0.1", 0, 1)) {
                Http http = new Http(server.baseUrl());
                CompletableFuture<Http.Reply> first = ask(http, 5);
                assertTrue(firstStarted.await(30, TimeUnit.SECONDS));
                CompletableFuture<Http.Reply> second = ask(http, 6);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (server.queued() < 1 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(1, server.queued(), "the second request waits");

                Http.Reply refused = http.post("/completions", body(7));
                OpenAiServerTest.assertError(refused, 503, "server_error", null, "server_overloaded");

                release.countDown();
                assertEquals(200, first.get(60, TimeUnit.SECONDS).status());
                assertEquals(200, second.get(60, TimeUnit.SECONDS).status());
                assertEquals(List.of(5, 6), order, "in arrival order; the refused one never reached the model");
                assertEquals(5, first.get().body().at("/usage/completion_tokens").asInt());
            }
        }
    }

    @Test
    void aLongAnswerOutlastsTheConnectionIdleTimeout() throws Exception {
        try (NDManager root = RealModels.cpuManager();
                LanguageModel real = RealModels.load(RealModels.stories260K(), root)) {
            LanguageModel slow = new DelegatingModel(real) {
                @Override
                public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
                    try {
                        Thread.sleep(2500); // a big model thinking: no bytes on the wire for 2.5 idle timeouts
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return super.generate(promptIds, options, listener);
                }
            };
            try (OpenAiServer server = OpenAiServer.start(slow, "held", "127.0.0.1", 0, 4,
                    java.time.Duration.ofSeconds(1))) {
                Http http = new Http(server.baseUrl());
                Http.Reply r = http.post("/completions", body(5));
                assertEquals(200, r.status(), r.raw());
                assertEquals(5, r.body().at("/usage/completion_tokens").asInt());
                ObjectNode streamed = body(5);
                streamed.put("stream", true);
                Http.Stream s = http.stream("/completions", streamed, c -> {});
                assertTrue(s.done(), "the stream survived too");
                assertEquals(r.body().at("/choices/0/text").asText(), s.text());
            }
        }
    }

    private static ObjectNode body(int maxTokens) {
        ObjectNode b = OpenAiServerTest.completion("Once upon a time", maxTokens);
        b.put("model", "held");
        return b;
    }

    /** Each on its own thread (the common pool may have a single thread on 2 cores). */
    private static CompletableFuture<Http.Reply> ask(Http http, int maxTokens) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return http.post("/completions", body(maxTokens));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> new Thread(runnable, "client-" + maxTokens).start());
    }
}
