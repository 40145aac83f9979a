package dev.longtune.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.KvCache;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelConfig;
import dev.longtune.api.TextTokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A small differentiable {@link LanguageModel} for loop tests: a bigram model
 * {@code logits = (tanh(onehot(ids) E W) * g) U} with E [V,H], W [H,H], g [H] (1-D, like a norm weight) and U [H,V].
 * Every op puts the activation first, so nothing attaches to the model's manager.
 */
public final class TinyLm implements LanguageModel {

    private final NDManager manager;
    private final TextTokenizer tokenizer = new CharTokenizer();
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final int vocab = CharTokenizer.VOCAB;

    public TinyLm(NDManager parent, int hidden, long seed) {
        manager = parent.newSubManager();
        Random r = new Random(seed);
        params.put("model.embed_tokens.weight", init(r, new Shape(vocab, hidden), 0.5));
        params.put("model.layers.0.mlp.weight", init(r, new Shape(hidden, hidden), 0.5));
        NDArray g = manager.ones(new Shape(hidden));
        params.put("model.norm.weight", g);
        params.put("lm_head.weight", init(r, new Shape(hidden, vocab), 0.5));
    }

    private NDArray init(Random r, Shape shape, double scale) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return manager.create(v, shape);
    }

    @Override
    public String architecture() {
        return "tiny-bigram";
    }

    @Override
    public ModelConfig config() {
        return new ModelConfig("tiny", vocab, (int) params.get("model.norm.weight").size(), 1, 1, 1, 1, 4096, 1e4, 1,
                2, null);
    }

    @Override
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public Map<String, NDArray> parameters() {
        return params;
    }

    @Override
    public NDArray forward(ForwardInput input) {
        NDArray x = input.inputIds().oneHot(vocab);
        NDArray h = x.matMul(params.get("model.embed_tokens.weight"));
        h = h.matMul(params.get("model.layers.0.mlp.weight")).tanh();
        h = h.mul(params.get("model.norm.weight"));
        return h.matMul(params.get("lm_head.weight"));
    }

    @Override
    public KvCache newCache(int batchSize, int capacity) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void save(Path directory) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
        manager.close();
    }
}
