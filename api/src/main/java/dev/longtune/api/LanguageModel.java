package dev.longtune.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A loaded decoder-only language model: the thing a fine-tuning method trains and an evaluator scores.
 *
 * <p><b>Memory.</b> Parameters live in {@link #manager()}. Every array {@link #forward} returns is attached to the
 * manager of {@code input.inputIds()} (activations come first in every op), so a caller that creates its inputs in
 * a per-step sub-manager frees everything the step produced by closing it.
 *
 * <p><b>Training.</b> {@link #parameters()} exposes every weight under its Hugging Face name; a method makes some
 * trainable with {@code setRequiresGradient(true)} and leaves the rest frozen.
 */
public interface LanguageModel extends AutoCloseable {

    /** The architecture plugin's name, e.g. {@code llama}. */
    String architecture();

    ModelConfig config();

    TextTokenizer tokenizer();

    /** The context extension the model was loaded with (from the run's config or its own config.json), if any. */
    default java.util.Optional<ContextExtension> contextExtension() {
        return java.util.Optional.empty();
    }

    /** The manager that owns the parameters. */
    NDManager manager();

    /**
     * Tokens the model can attend over: the checkpoint's {@code max_position_embeddings}, or what the context
     * extension extends it to.
     */
    default int contextLength() {
        int original = config().maxPositionEmbeddings();
        return contextExtension().map(e -> e.extendedMaxPositions(original)).orElse(original);
    }

    /** Every parameter under its Hugging Face name, in checkpoint order. Tied weights appear once. */
    Map<String, NDArray> parameters();

    /**
     * Every linear projection by module name, in model order, excluding the output head (as PEFT's
     * {@code all-linear}). Methods adapt them with {@link LinearLayer#setForward}. Default: none (the architecture
     * supports no adapters).
     */
    default Map<String, LinearLayer> linearLayers() {
        return Map.of();
    }

    /** Logits {@code [B, T, V]} in float32 for the given tokens; see {@link ForwardInput}. */
    NDArray forward(ForwardInput input);

    /**
     * A term the model asks to be added to the training loss of its <b>last training forward pass</b>
     * ({@code ForwardInput.training()}), already weighted, on the autograd path (so {@code loss.add(aux)} trains
     * it): e.g. a mixture of experts' router load-balancing loss times its coefficient ({@code router_aux_loss_coef}).
     * Empty for models without one and before the first training forward (inference forwards leave it alone). The
     * array belongs to the manager of that forward's input ids and is replaced by the next training forward; one
     * training forward at a time per model.
     */
    default java.util.Optional<NDArray> auxiliaryLoss() {
        return java.util.Optional.empty();
    }

    /**
     * Whether {@link #setGradientCheckpointing} can be switched on (activation checkpointing per decoder layer).
     * Default: false.
     */
    default boolean supportsCheckpointing() {
        return false;
    }

    /**
     * Switches activation checkpointing per decoder layer on or off (default off). While on, every <b>training</b>
     * forward pass run with gradients being recorded (inside a {@code GradientCollector}, no KV cache) runs the
     * decoder layers without an autograd graph, keeping only each layer's input; the logits it returns have a graph
     * from the last layer's output on. The caller then back-propagates its loss as usual
     * ({@code collector.backward(loss)}) and <b>must</b> call {@link #completeBackward()} before leaving the
     * collector: that recomputes the layers one at a time from the top, with gradients, and carries the gradient down
     * to the embeddings, accumulating every parameter's {@code .grad} exactly as without checkpointing. Several
     * checkpointed forwards may share one backward (e.g. chosen and rejected sequences); one
     * {@code completeBackward()} finishes them all. Peak activation memory then holds one layer's graph instead of
     * all of them, for the cost of about one more forward pass.
     *
     * @throws LongtuneException when switched on for a model that does not {@link #supportsCheckpointing()}
     */
    default void setGradientCheckpointing(boolean enabled) {
        if (enabled) {
            throw new LongtuneException("the " + architecture() + " architecture does not support gradient "
                    + "checkpointing");
        }
    }

    /**
     * Finishes the backward pass of every checkpointed training forward since the last call (see
     * {@link #setGradientCheckpointing}); call it right after back-propagating the loss, while the gradient collector
     * is still open. A no-op when nothing is pending (checkpointing off, or an inference forward).
     */
    default void completeBackward() {}

    /** A key/value cache for incremental decoding of {@code batchSize} sequences of up to {@code capacity} tokens. */
    KvCache newCache(int batchSize, int capacity);

    /**
     * Generates a continuation of {@code promptIds} (which should already carry BOS if the model wants one).
     * Native memory stays flat however many tokens are generated.
     */
    Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener);

    /**
     * Writes the model in Hugging Face layout ({@code config.json} with unknown keys kept,
     * {@code model.safetensors}, tokenizer files copied alongside). Writes into a temporary folder and renames it, so
     * an interrupted save never leaves a half-written checkpoint at {@code directory}.
     */
    void save(Path directory) throws IOException;

    /** The model's chat template, when it is a chat model or its family has a default one. */
    default java.util.Optional<ChatTemplate> chatTemplate() {
        return java.util.Optional.empty();
    }

    /**
     * Folds a LoRA/DoRA adapter saved in Hugging Face PEFT's layout ({@code adapter_config.json} +
     * {@code adapter_model.safetensors}, plus {@code modules_to_save} tensors such as LongLoRA's embeddings and
     * norms) into this model's weights, so it can be generated from or exported as one plain checkpoint.
     *
     * @throws LongtuneException when the adapter does not fit the model (a module or shape it does not have)
     */
    default void mergeAdapter(Path adapterDirectory) throws IOException {
        throw new LongtuneException("the " + architecture() + " architecture cannot merge PEFT adapters");
    }

    /** Formats {@link #export} can write; {@code hf} (the Hugging Face folder of {@link #save}) at least. */
    default java.util.Set<String> exportFormats() {
        return java.util.Set.of("hf");
    }

    /**
     * Writes the model in {@code format} (one of {@link #exportFormats()}) to {@code out} (a folder for
     * {@code hf}, a file for single-file formats such as {@code gguf}), atomically.
     */
    default void export(String format, Path out) throws IOException {
        if (!"hf".equals(format)) {
            throw new LongtuneException("the " + architecture() + " architecture cannot export '" + format
                    + "'; formats: " + exportFormats());
        }
        save(out);
    }

    @Override
    void close();

    /** Receives each generated token as soon as it is sampled (for streaming and progress). */
    @FunctionalInterface
    interface TokenListener {
        TokenListener NONE = id -> {};

        void onToken(int tokenId);
    }
}
