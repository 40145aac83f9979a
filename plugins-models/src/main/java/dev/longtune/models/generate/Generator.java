package dev.longtune.models.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.KvCache;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Autoregressive decoding over any {@link LanguageModel}: one prefill pass over the prompt into a KV cache, then one
 * token per step. Each step's arrays live in their own sub-manager, closed at the end of the step, and the cache is
 * preallocated, so native memory stays flat however many tokens are generated.
 *
 * <p>Generation ends after {@code maxNewTokens}, after EOS when {@code stopAtEos}, or when the sequence fills the
 * context limit (by default the model's {@code config().maxPositionEmbeddings()}, prompt included, like
 * transformers' {@code max_length}; a model with a rolling sliding-window cache passes a larger one); the last case
 * is logged and returns what was made.
 */
public final class Generator {

    private static final Logger LOG = LoggerFactory.getLogger(Generator.class);

    private Generator() {}

    public static Generation generate(LanguageModel model, NDManager work, int[] prompt, GenerationOptions options,
            LanguageModel.TokenListener listener) {
        return generate(model, work, prompt, options, listener, model.config().maxPositionEmbeddings());
    }

    /**
     * As above with an explicit limit on the sequence length (prompt plus generated tokens). The cache is asked for
     * {@code min(context, prompt + maxNewTokens)} positions; a model may allocate fewer (a rolling cache).
     */
    public static Generation generate(LanguageModel model, NDManager work, int[] prompt, GenerationOptions options,
            LanguageModel.TokenListener listener, int context) {
        long start = System.nanoTime();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty; start it with BOS at least");
        }
        if (prompt.length >= context && options.maxNewTokens() > 0) {
            throw new LongtuneException("the prompt has " + prompt.length + " tokens, which leaves no room in the "
                    + "model's context of " + context + " positions");
        }
        if (options.maxNewTokens() == 0) {
            return new Generation(new int[0], "", prompt.length, System.nanoTime() - start);
        }
        int capacity = (int) Math.min(context, (long) prompt.length + options.maxNewTokens());
        int eos = model.tokenizer().eosId().orElse(model.config().eosTokenId());
        LanguageModel.TokenListener out = listener == null ? LanguageModel.TokenListener.NONE : listener;
        Sampler sampler = new Sampler(options);
        int[] generated = new int[options.maxNewTokens()];
        int count = 0;
        try (KvCache cache = model.newCache(1, capacity)) {
            int next = step(model, work, cache, prompt, sampler);
            while (true) {
                generated[count++] = next;
                out.onToken(next);
                if (count >= options.maxNewTokens() || (options.stopAtEos() && next == eos)) {
                    break;
                }
                if (prompt.length + count >= context) {
                    LOG.warn("generation stopped after {} tokens: the sequence reached the model's context of {} "
                            + "positions", count, context);
                    break;
                }
                next = step(model, work, cache, new int[] {next}, sampler);
            }
        }
        int[] ids = Arrays.copyOf(generated, count);
        return new Generation(ids, model.tokenizer().decode(ids), prompt.length, System.nanoTime() - start);
    }

    /** Feeds {@code tokens} through the cache and samples the token after them; every array dies with the step. */
    private static int step(LanguageModel model, NDManager work, KvCache cache, int[] tokens, Sampler sampler) {
        try (NDManager step = work.newSubManager()) {
            long[] ids = new long[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                ids[i] = tokens[i];
            }
            NDArray input = step.create(ids, new Shape(1, tokens.length));
            NDArray logits = model.forward(ForwardInput.cached(input, cache));
            float[] last = logits.get(new NDIndex(0, tokens.length - 1)).toFloatArray();
            return sampler.next(last);
        }
    }
}
