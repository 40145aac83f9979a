package dev.longtune.training.sft;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.conformance.Fixtures;
import dev.longtune.conformance.FineTuningMethodContract;
import dev.longtune.models.llama.LlamaArchitecture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The built-in {@code sft} keeps the conformance kit's fine-tuning-method contract on the real stories260K. */
class SftConformanceTest extends FineTuningMethodContract<SftOptions> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected FineTuningMethodFactory<SftOptions> factory() {
        return new SftMethodFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"trains\": {\"type\": \"full\", \"train_embeddings\": false, \"freeze_layers\": 2}}");
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
        return List.of(
                new DataRecord("t", 1, JSON.createObjectNode().put("instruction", "Write about a cat.")
                        .put("output", "The cat sat in the sun and was happy.")),
                new DataRecord("t", 2, JSON.createObjectNode().put("text", "Tom saw a big dog in the park.")),
                new DataRecord("t", 3, JSON.createObjectNode().put("prompt", "Lily had a ball. ")
                        .put("completion", "She threw it to her friend.")));
    }
}
