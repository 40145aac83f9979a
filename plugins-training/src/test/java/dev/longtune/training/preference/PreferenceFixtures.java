package dev.longtune.training.preference;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.DataRecord;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.KvCache;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LinearLayer;
import dev.longtune.api.ModelConfig;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.api.TextTokenizer;
import dev.longtune.api.data.DataFiles;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.llama.LlamaArchitecture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** The real stories260K checkpoint, the committed preference sample, and a forward-counting model wrapper. */
final class PreferenceFixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PreferenceFixtures() {}

    static LanguageModel stories(NDManager manager) throws IOException {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().load(new NoOptions(), new ModelLoadRequest(dir, config, null, DataType.FLOAT32,
                Device.cpu(), manager));
    }

    /** The first {@code n} pairs of {@code examples/data/stack-exchange-paired-sample.jsonl}. */
    static List<DataRecord> stackExchange(int n) {
        List<DataRecord> all = DataFiles.read(Fixtures.projectRoot()
                .resolve("examples/data/stack-exchange-paired-sample.jsonl"));
        return all.subList(0, Math.min(n, all.size()));
    }

    /** A few short story-style preference pairs in TRL's prompt/chosen/rejected format. */
    static List<DataRecord> storyPairs() {
        return List.of(
                pair(1, "Lily had a red ball. ", "She played with it in the park and was happy.",
                        "Ball ball red the the."),
                pair(2, "Tom saw a big dog. ", "The dog wagged its tail and Tom smiled.", "Dog. Dog. Dog."),
                pair(3, "The sun was warm. ", "Mom and Ben went to the beach to swim.", "Warm was the sun sun."),
                pair(4, "Once upon a time, ", "there was a little cat who liked milk.", "cat cat a a a time."));
    }

    static DataRecord pair(int line, String prompt, String chosen, String rejected) {
        return new DataRecord("pairs.jsonl", line, JSON.createObjectNode().put("prompt", prompt)
                .put("chosen", chosen).put("rejected", rejected));
    }

    /** Delegates to a model and counts its forward passes. */
    static final class Counting implements LanguageModel {
        final LanguageModel inner;
        final AtomicLong forwards = new AtomicLong();

        Counting(LanguageModel inner) {
            this.inner = inner;
        }

        @Override
        public String architecture() {
            return inner.architecture();
        }

        @Override
        public ModelConfig config() {
            return inner.config();
        }

        @Override
        public TextTokenizer tokenizer() {
            return inner.tokenizer();
        }

        @Override
        public Optional<ContextExtension> contextExtension() {
            return inner.contextExtension();
        }

        @Override
        public NDManager manager() {
            return inner.manager();
        }

        @Override
        public Map<String, NDArray> parameters() {
            return inner.parameters();
        }

        @Override
        public Map<String, LinearLayer> linearLayers() {
            return inner.linearLayers();
        }

        @Override
        public NDArray forward(ForwardInput input) {
            forwards.incrementAndGet();
            return inner.forward(input);
        }

        @Override
        public KvCache newCache(int batchSize, int capacity) {
            return inner.newCache(batchSize, capacity);
        }

        @Override
        public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
            return inner.generate(promptIds, options, listener);
        }

        @Override
        public void save(Path directory) throws IOException {
            inner.save(directory);
        }

        @Override
        public Optional<ChatTemplate> chatTemplate() {
            return inner.chatTemplate();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
