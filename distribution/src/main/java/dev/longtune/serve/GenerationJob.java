package dev.longtune.serve;

import dev.longtune.api.GenerationOptions;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One request's generation, handed from the HTTP thread that owns the request to the scheduler's thread and back.
 *
 * <p>The scheduler never writes to a client: it puts {@link Event}s into this job's queue and moves on, and the
 * request's own HTTP thread takes them and writes them. A slow or stalled client therefore only stalls its own
 * thread; the queue is unbounded but holds at most one event per generated token ({@code max_tokens} bounds it).
 * When the client goes away, the HTTP thread {@link #cancel()}s the job and the scheduler stops decoding it at the
 * next token (or skips it if it has not started).
 */
final class GenerationJob {

    /** What the scheduler reports. */
    sealed interface Event permits Delta, Done, Failed {}

    /** Text to send now (streaming only). */
    record Delta(String text) implements Event {}

    /**
     * Generation ended.
     *
     * @param text the whole answer (stop strings cut off)
     * @param finishReason {@code stop} (EOS or a stop string) or {@code length} (max_tokens or the context)
     */
    record Done(String text, int completionTokens, String finishReason) implements Event {}

    /** Generation failed; the request gets a 500 (or its stream ends). */
    record Failed(Throwable error) implements Event {}

    private final int[] promptIds;
    private final GenerationOptions options;
    private final List<String> stops;
    private final boolean streaming;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;

    GenerationJob(int[] promptIds, GenerationOptions options, List<String> stops, boolean streaming) {
        this.promptIds = promptIds;
        this.options = options;
        this.stops = List.copyOf(stops);
        this.streaming = streaming;
    }

    int[] promptIds() {
        return promptIds;
    }

    GenerationOptions options() {
        return options;
    }

    List<String> stops() {
        return stops;
    }

    boolean streaming() {
        return streaming;
    }

    /** The client is gone (or the server is closing): stop decoding this job, and do not start it if it waits. */
    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    void emit(Event event) {
        events.add(event);
    }

    /** The next event, waiting up to {@code timeoutMillis}; null on timeout. */
    Event next(long timeoutMillis) throws InterruptedException {
        return events.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }
}
