package dev.longtune.serve;

import dev.longtune.api.Generation;
import dev.longtune.api.LanguageModel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs generations one at a time, first come first served, on one thread.
 *
 * <p>The model is one set of weights on a few CPU cores: two decodes at once would only share the same cores and
 * both be slower (and a model's work manager is not made for concurrent use). So requests wait in a bounded FIFO
 * queue (fair: nobody overtakes), a full queue is refused at once ({@link #submit} returns false, the handler answers
 * 503), and each generation gets its own KV cache and per-step sub-managers inside {@link LanguageModel#generate},
 * all closed when it ends (also when it is cancelled: the cache is closed by the generator's try-with-resources), so
 * native memory stays flat however many requests are served.
 */
final class GenerationScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GenerationScheduler.class);

    /** Thrown from the token listener to stop decoding a job; never leaves {@link #run(GenerationJob)}. */
    private static final class StopDecoding extends RuntimeException {
        StopDecoding() {
            super(null, null, false, false);
        }
    }

    private final LanguageModel model;
    private final BlockingQueue<GenerationJob> queue;
    private final Thread worker;
    private final AtomicLong cancelledMidway = new AtomicLong();
    private volatile boolean closed;
    private volatile GenerationJob current;

    GenerationScheduler(LanguageModel model, int queueCapacity) {
        this.model = model;
        this.queue = new ArrayBlockingQueue<>(queueCapacity, true);
        this.worker = new Thread(this::loop, "longtune-generation");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Queues {@code job}; false when the queue is full or the scheduler is closed (the caller answers 503). */
    boolean submit(GenerationJob job) {
        return !closed && queue.offer(job);
    }

    /** Requests waiting (not counting the one being generated). */
    int waiting() {
        return queue.size();
    }

    /** Generations stopped before their end because their client went away (for tests and logs). */
    long cancelledMidway() {
        return cancelledMidway.get();
    }

    private void loop() {
        while (!closed) {
            GenerationJob job;
            try {
                job = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (job == null || job.cancelled()) {
                continue;
            }
            current = job;
            try {
                run(job);
            } finally {
                current = null;
            }
        }
    }

    private void run(GenerationJob job) {
        TextStream stream = new TextStream(model.tokenizer(), job.stops());
        int eos = model.tokenizer().eosId().orElse(-1);
        int[] last = {-1};
        try {
            Generation g;
            try {
                g = model.generate(job.promptIds(), job.options(), id -> {
                    if (job.cancelled() || closed) {
                        throw new StopDecoding();
                    }
                    last[0] = id;
                    String delta = stream.add(id);
                    if (job.streaming() && !delta.isEmpty()) {
                        job.emit(new GenerationJob.Delta(delta));
                    }
                    if (stream.stopped()) {
                        throw new StopDecoding();
                    }
                });
            } catch (StopDecoding stop) {
                if (!stream.stopped()) {
                    cancelledMidway.incrementAndGet();
                    LOG.info("generation cancelled after {} tokens: {}", stream.tokenCount(),
                            closed ? "the server is shutting down" : "the client went away");
                    job.emit(new GenerationJob.Failed(new IllegalStateException("generation cancelled")));
                    return;
                }
                g = null;
            }
            if (g != null) {
                // A model that returns its answer without calling the listener (a test double, a remote model)
                // still gets its tokens through the stream, so stop strings and usage apply to it too.
                int[] ids = g.tokenIds();
                for (int i = stream.tokenCount(); i < ids.length && !stream.stopped(); i++) {
                    last[0] = ids[i];
                    String delta = stream.add(ids[i]);
                    if (job.streaming() && !delta.isEmpty()) {
                        job.emit(new GenerationJob.Delta(delta));
                    }
                }
            }
            String rest = stream.finish();
            if (job.streaming() && !rest.isEmpty()) {
                job.emit(new GenerationJob.Delta(rest));
            }
            // "length" only when a limit cut the answer (max_tokens, or the context full); an answer ended by EOS,
            // by a stop string, or by a model that simply finished (a scripted or remote one) is "stop".
            int count = stream.tokenCount();
            boolean cut = !stream.stopped() && !(eos >= 0 && last[0] == eos)
                    && (count >= job.options().maxNewTokens()
                        || job.promptIds().length + count >= model.contextLength());
            job.emit(new GenerationJob.Done(stream.text(), count, cut ? "length" : "stop"));
        } catch (RuntimeException | Error e) {
            LOG.error("generation failed", e);
            job.emit(new GenerationJob.Failed(e));
        }
    }

    /** Stops taking jobs, stops the running generation at its next token, and waits for the worker to end. */
    @Override
    public void close() {
        closed = true;
        GenerationJob running = current;
        if (running != null) {
            running.cancel();
        }
        for (GenerationJob waiting; (waiting = queue.poll()) != null; ) {
            waiting.emit(new GenerationJob.Failed(new IllegalStateException("the server is shutting down")));
        }
        try {
            worker.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
