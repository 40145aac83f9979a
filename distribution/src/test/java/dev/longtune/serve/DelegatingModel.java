package dev.longtune.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.KvCache;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelConfig;
import dev.longtune.api.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A real model seen through a thin wrapper, so a test can watch or pace what the server asks of it (the weights,
 * tokenizer and decoding are the real ones). Closing it does not close the wrapped model.
 */
class DelegatingModel implements LanguageModel {

    final LanguageModel real;

    DelegatingModel(LanguageModel real) {
        this.real = real;
    }

    @Override
    public String architecture() {
        return real.architecture();
    }

    @Override
    public ModelConfig config() {
        return real.config();
    }

    @Override
    public TextTokenizer tokenizer() {
        return real.tokenizer();
    }

    @Override
    public Optional<ContextExtension> contextExtension() {
        return real.contextExtension();
    }

    @Override
    public int contextLength() {
        return real.contextLength();
    }

    @Override
    public NDManager manager() {
        return real.manager();
    }

    @Override
    public Map<String, NDArray> parameters() {
        return real.parameters();
    }

    @Override
    public NDArray forward(ForwardInput input) {
        return real.forward(input);
    }

    @Override
    public KvCache newCache(int batchSize, int capacity) {
        return real.newCache(batchSize, capacity);
    }

    @Override
    public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
        return real.generate(promptIds, options, listener);
    }

    @Override
    public void save(Path directory) throws IOException {
        real.save(directory);
    }

    @Override
    public Optional<ChatTemplate> chatTemplate() {
        return real.chatTemplate();
    }

    @Override
    public void close() {}
}
