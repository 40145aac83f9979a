package dev.longtune.eval.perplexity;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.conformance.EvaluatorContract;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.llama.LlamaArchitecture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The built-in {@code perplexity} keeps the conformance kit's evaluator contract on the real stories260K. */
class PerplexityConformanceTest extends EvaluatorContract<PerplexityOptions> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected EvaluatorFactory<PerplexityOptions> factory() {
        return new PerplexityFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"max_length\": 32, \"stride\": 16, \"score\": \"full\"}");
    }

    @Override
    protected LanguageModel model(NDManager manager) throws IOException {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().load(new NoOptions(), new ModelLoadRequest(dir, config, null, DataType.FLOAT32,
                Device.cpu(), manager));
    }

    @Override
    protected List<DataRecord> records() {
        return List.of(new DataRecord("t", 1, JSON.createObjectNode().put("text",
                "Once upon a time, there was a little girl named Lily. She loved to play in the park.")),
                new DataRecord("t", 2, JSON.createObjectNode().put("prompt", "Tom had a dog. ")
                        .put("completion", "The dog liked to run and jump.")));
    }
}
