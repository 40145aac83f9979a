package dev.longtune.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes the OpenAI endpoints and answers them: validates the request (400s name the parameter), turns it into
 * prompt ids, queues a {@link GenerationJob}, and writes the answer, whole or as server-sent events.
 *
 * <p>Each request is handled on its own Jetty thread, which blocks on its job's events while the one generation
 * thread works; writing to the client happens here, never on the generation thread (see {@link GenerationJob}).
 */
final class OpenAiHandler extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bodies are prompts: generous, but bounded so a runaway client cannot fill the heap. */
    private static final int MAX_BODY_BYTES = 32 << 20;
    /** OpenAI's default {@code max_tokens} for {@code /v1/completions}. */
    static final int COMPLETIONS_DEFAULT_MAX_TOKENS = 16;
    /** How often a stream that waits (queued, or a slow token) sends an SSE comment. */
    private static final long KEEPALIVE_MILLIS = 10_000;

    private final LanguageModel model;
    private final String name;
    private final GenerationScheduler scheduler;
    private final long created = System.currentTimeMillis() / 1000;

    OpenAiHandler(LanguageModel model, String name, GenerationScheduler scheduler) {
        this.model = model;
        this.name = name;
        this.scheduler = scheduler;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        try {
            route(request, response, method, path);
            callback.succeeded();
        } catch (ApiError e) {
            answerError(response, callback, e);
        } catch (ClientGone e) {
            callback.failed(e.getCause());
        } catch (Exception | Error e) {
            LOG.error("{} {} failed", method, path, e);
            answerError(response, callback, ApiError.internal());
        }
        return true;
    }

    private void route(Request request, Response response, String method, String path) throws Exception {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        switch (p) {
            case "/v1/models" -> {
                requireMethod(method, p, "GET");
                writeJson(response, 200, OpenAiJson.models(name, created));
            }
            case "/v1/completions" -> {
                requireMethod(method, p, "POST");
                CompletionRequest r = RequestReader.completion(RequestReader.parse(body(request)));
                checkModel(r.model());
                int[] ids = model.tokenizer().encodeWithBos(r.prompt());
                if (ids.length == 0) {
                    throw ApiError.invalid("The prompt is empty and the model's tokenizer has no BOS token to "
                            + "start from; give a prompt.", "prompt");
                }
                int max = r.sampling().maxTokens() != null ? r.sampling().maxTokens()
                        : COMPLETIONS_DEFAULT_MAX_TOKENS;
                complete(request, response, OpenAiJson.Kind.TEXT, ids, max, r.sampling());
            }
            case "/v1/chat/completions" -> {
                requireMethod(method, p, "POST");
                ChatRequest r = RequestReader.chat(RequestReader.parse(body(request)));
                checkModel(r.model());
                ChatTemplate template = model.chatTemplate().orElseThrow(() -> ApiError.invalid("The model '" + name
                        + "' has no chat template (no chat_template in its tokenizer_config.json and no default for "
                        + "its family); use /v1/completions with a prompt instead.", "messages", "no_chat_template"));
                String text;
                try {
                    text = template.render(r.messages(), true);
                } catch (LongtuneException e) {
                    throw ApiError.invalid("The model's chat template rejects these messages: " + e.getMessage(),
                            "messages");
                }
                // The rendered text carries the template's own BOS and turn markers: no BOS added (as chat SFT).
                int[] ids = model.tokenizer().encode(text);
                if (ids.length == 0) {
                    throw ApiError.invalid("The messages render to an empty prompt.", "messages");
                }
                int max = r.sampling().maxTokens() != null ? r.sampling().maxTokens()
                        : Math.max(0, model.contextLength() - ids.length);
                complete(request, response, OpenAiJson.Kind.CHAT, ids, max, r.sampling());
            }
            default -> throw ApiError.notFound(method, path);
        }
    }

    private void complete(Request request, Response response, OpenAiJson.Kind kind, int[] promptIds, int maxTokens,
            SamplingParams sp) throws IOException, InterruptedException {
        int context = model.contextLength();
        if (promptIds.length >= context || (long) promptIds.length + maxTokens > context) {
            String param = kind == OpenAiJson.Kind.TEXT ? "prompt" : "messages";
            throw ApiError.invalid("This model's maximum context length is " + context + " tokens. However, you "
                    + "requested " + ((long) promptIds.length + maxTokens) + " tokens (" + promptIds.length
                    + " in the prompt, " + maxTokens + " for the completion). Please reduce the prompt or the "
                    + "completion length.", param, "context_length_exceeded");
        }
        GenerationOptions options = new GenerationOptions(maxTokens, sp.temperature(), 0, sp.topP(), sp.seed(), true);
        GenerationJob job = new GenerationJob(promptIds, options, sp.stop(), sp.stream());
        // True only while this thread waits for the model (no read or write outstanding): a quiet connection then
        // is a request waiting for its turn or for a long answer, not an idle client, so Jetty's idle timeout is
        // ignored (Jetty's contract: only with no I/O pending). A client stalled on a write still times out.
        AtomicBoolean awaitingModel = new AtomicBoolean(true);
        request.addIdleTimeoutListener(timeout -> !awaitingModel.get());
        request.addFailureListener(failure -> job.cancel());
        if (!scheduler.submit(job)) {
            throw ApiError.overloaded(scheduler.waiting());
        }
        OpenAiJson.Envelope envelope = new OpenAiJson.Envelope(kind, kind.idPrefix + UUID.randomUUID()
                .toString().replace("-", ""), System.currentTimeMillis() / 1000, name);
        try {
            if (sp.stream()) {
                stream(response, job, envelope, promptIds.length, sp.includeUsage(), awaitingModel);
            } else {
                GenerationJob.Event e;
                do {
                    e = job.next(KEEPALIVE_MILLIS);
                } while (e == null || e instanceof GenerationJob.Delta);
                awaitingModel.set(false);
                if (e instanceof GenerationJob.Done d) {
                    writeJson(response, 200, OpenAiJson.answer(envelope, d.text(), d.finishReason(),
                            OpenAiJson.usage(promptIds.length, d.completionTokens())));
                } else {
                    throw failure(((GenerationJob.Failed) e).error());
                }
            }
        } catch (InterruptedException | RuntimeException | IOException e) {
            job.cancel();
            throw e;
        }
    }

    private void stream(Response response, GenerationJob job, OpenAiJson.Envelope envelope, int promptTokens,
            boolean includeUsage, AtomicBoolean awaitingModel) throws InterruptedException {
        awaitingModel.set(false);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        try {
            OutputStream os = Content.Sink.asOutputStream(response);
            SseWriter sse = new SseWriter(os);
            if (envelope.kind() == OpenAiJson.Kind.CHAT) {
                sse.event(OpenAiJson.chatRoleChunk(envelope));
            } else {
                os.flush(); // sends the headers now: the client sees the stream open while it waits its turn
            }
            while (true) {
                awaitingModel.set(true);
                GenerationJob.Event e = job.next(KEEPALIVE_MILLIS);
                awaitingModel.set(false);
                if (e == null) {
                    sse.comment("waiting");
                } else if (e instanceof GenerationJob.Delta d) {
                    sse.event(OpenAiJson.chunk(envelope, d.text(), null));
                } else if (e instanceof GenerationJob.Done d) {
                    sse.event(OpenAiJson.chunk(envelope, "", d.finishReason()));
                    if (includeUsage) {
                        sse.event(OpenAiJson.usageChunk(envelope, OpenAiJson.usage(promptTokens, d.completionTokens())));
                    }
                    sse.done();
                    break;
                } else {
                    // The status is sent already: the error goes into the stream, as OpenAI does.
                    Throwable error = ((GenerationJob.Failed) e).error();
                    sse.event(failure(error).toJson());
                    sse.done();
                    break;
                }
            }
            os.close();
        } catch (IOException e) {
            // The client went away mid-stream: stop its generation, keep serving everyone else.
            job.cancel();
            LOG.info("client went away mid-stream ({}); generation cancelled", e.toString());
            throw new ClientGone(e);
        }
    }

    private ApiError failure(Throwable error) {
        if (error instanceof LongtuneException le) {
            // A problem with the model or its setup (not a bug): the message helps whoever runs the server.
            return new ApiError(500, "server_error", "Generation failed: " + le.getMessage(), null, "internal_error");
        }
        return ApiError.internal();
    }

    private void checkModel(String requested) {
        if (!requested.equals(name)) {
            throw ApiError.modelNotFound(requested, name);
        }
    }

    private static void requireMethod(String method, String path, String allowed) {
        if (!method.equals(allowed)) {
            throw ApiError.methodNotAllowed(method, path, allowed);
        }
    }

    private static String body(Request request) throws IOException {
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw new ApiError(413, "invalid_request_error", "The request body is larger than "
                        + (MAX_BODY_BYTES >> 20) + " MiB.", null, "request_too_large");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static void answerError(Response response, Callback callback, ApiError e) {
        if (response.isCommitted()) {
            callback.failed(e);
            return;
        }
        try {
            response.reset();
            writeJson(response, e.status(), e.toJson());
            callback.succeeded();
        } catch (Exception | Error writeFailure) {
            callback.failed(writeFailure);
        }
    }

    private static void writeJson(Response response, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        Content.Sink.write(response, true, ByteBuffer.wrap(bytes));
    }

    /** The client disconnected; nothing more can be sent to it. */
    private static final class ClientGone extends RuntimeException {
        ClientGone(IOException cause) {
            super(cause);
        }
    }
}
