package dev.longtune.serve;

import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An OpenAI-compatible HTTP server for one loaded {@link LanguageModel}: {@code POST /v1/chat/completions},
 * {@code POST /v1/completions}, {@code GET /v1/models}, streaming as server-sent events. Jetty (its core API, no
 * servlets) serves HTTP; generations run one at a time through a {@link GenerationScheduler}.
 *
 * <p>Constructible from any model, so tests (and other engineers' tests, e.g. a judge evaluator against a scripted
 * model) can serve a test double: {@code try (OpenAiServer s = OpenAiServer.start(model, "m", "127.0.0.1", 0))}.
 * The server does not own the model: closing it stops serving, the caller closes the model.
 */
public final class OpenAiServer implements AutoCloseable {

    /** Requests that may wait for the model before new ones get 503. */
    public static final int DEFAULT_MAX_QUEUED = 64;

    private final Server jetty;
    private final GenerationScheduler scheduler;
    private final String host;
    private final int port;

    private OpenAiServer(Server jetty, GenerationScheduler scheduler, String host, int port) {
        this.jetty = jetty;
        this.scheduler = scheduler;
        this.host = host;
        this.port = port;
    }

    /** Serves {@code model} as {@code name} on {@code host:port} ({@code port} 0 = any free port). */
    public static OpenAiServer start(LanguageModel model, String name, String host, int port) {
        return start(model, name, host, port, DEFAULT_MAX_QUEUED);
    }

    /** As above, with at most {@code maxQueued} requests waiting for the model. */
    public static OpenAiServer start(LanguageModel model, String name, String host, int port, int maxQueued) {
        return start(model, name, host, port, maxQueued, IDLE_TIMEOUT);
    }

    /**
     * How long a connection may see no traffic. A request waiting for its turn or for a long non-streamed answer
     * is exempt (see the handler), so this only ends idle keep-alive connections and stalled clients.
     */
    static final java.time.Duration IDLE_TIMEOUT = java.time.Duration.ofSeconds(30);

    static OpenAiServer start(LanguageModel model, String name, String host, int port, int maxQueued,
            java.time.Duration idleTimeout) {
        if (maxQueued < 1) {
            throw new LongtuneException("the queue must hold at least 1 request, got " + maxQueued);
        }
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("longtune-http");
        Server jetty = new Server(threads);
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(idleTimeout.toMillis());
        jetty.addConnector(connector);
        GenerationScheduler scheduler = new GenerationScheduler(model, maxQueued);
        jetty.setHandler(new OpenAiHandler(model, name, scheduler));
        jetty.setStopTimeout(5_000);
        try {
            jetty.start();
        } catch (Exception e) {
            scheduler.close();
            try {
                jetty.stop();
            } catch (Exception ignored) {
                // already failing; the start error is the one to report
            }
            if (e instanceof BindException || e.getCause() instanceof BindException
                    || e instanceof IOException && String.valueOf(e.getMessage()).contains("bind")) {
                throw new LongtuneException("cannot listen on " + host + ":" + port + " (" + e.getMessage()
                        + "); pick another --port or --host", e);
            }
            throw new LongtuneException("cannot start the HTTP server on " + host + ":" + port + ": " + e, e);
        }
        return new OpenAiServer(jetty, scheduler, host, connector.getLocalPort());
    }

    /** The port actually listened on (the free port chosen when 0 was asked). */
    public int port() {
        return port;
    }

    public String host() {
        return host;
    }

    /** {@code http://host:port/v1}: what OpenAI clients take as their base URL. */
    public URI baseUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port + "/v1");
    }

    /** Generations stopped early because their client disconnected. */
    public long cancelledGenerations() {
        return scheduler.cancelledMidway();
    }

    /** Requests waiting for the model right now (not counting the one generating). */
    int queued() {
        return scheduler.waiting();
    }

    /** Blocks until the server is stopped ({@link #close()} from another thread, or the JVM shutting down). */
    public void join() throws InterruptedException {
        jetty.join();
    }

    /** Stops accepting requests, ends the running generation at its next token, and stops Jetty. */
    @Override
    public void close() {
        scheduler.close();
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the HTTP server failed", e);
        }
    }
}
