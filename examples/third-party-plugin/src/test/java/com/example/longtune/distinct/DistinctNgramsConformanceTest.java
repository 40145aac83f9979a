package com.example.longtune.distinct;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.junit.jupiter.api.Test;

/** The plugin keeps Longtune's evaluator contract (from the API's conformance kit), plus its own arithmetic. */
class DistinctNgramsConformanceTest extends EvaluatorContract<DistinctNgramsOptions> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected EvaluatorFactory<DistinctNgramsOptions> factory() {
        return new DistinctNgramsFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"n\": 2, \"samples\": 2, \"max_new_tokens\": 8}");
    }

    @Override
    protected LanguageModel model(NDManager manager) throws IOException {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().load(new NoOptions(), new ModelLoadRequest(dir, config, null,
                DataType.FLOAT32, Device.cpu(), manager));
    }

    @Override
    protected List<DataRecord> records() {
        return List.of(new DataRecord("test", 1, JSON.createObjectNode().put("text", "Once upon a time there was")),
                new DataRecord("test", 2, JSON.createObjectNode().put("text", "The little dog ran to the park")));
    }

    @Test
    void distinctNgramsCountsByHand() {
        // 1 2 1 2 1: bigrams (1,2) (2,1) (1,2) (2,1) -> 2 unique of 4
        assertEquals(4, DistinctNgramsEvaluator.ngrams(new int[] {1, 2, 1, 2, 1}, 2).size());
        assertEquals(2, new java.util.HashSet<>(DistinctNgramsEvaluator.ngrams(new int[] {1, 2, 1, 2, 1}, 2)).size());
    }
}
