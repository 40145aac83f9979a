package dev.longtune.eval.bleu;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.conformance.EvaluatorContract;
import dev.longtune.eval.Stories;
import java.io.IOException;
import java.util.List;

/** The built-in {@code bleu} keeps the conformance kit's evaluator contract on the real stories260K. */
class BleuConformanceTest extends EvaluatorContract<BleuOptions> {

    @Override
    protected EvaluatorFactory<BleuOptions> factory() {
        return new BleuFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"max_records\": 1, \"smooth_method\": \"floor\", \"smooth_value\": 0.1}");
    }

    @Override
    protected LanguageModel model(NDManager manager) throws IOException {
        return Stories.load(manager);
    }

    @Override
    protected List<DataRecord> records() {
        ObjectMapper m = new ObjectMapper();
        return List.of(
                new DataRecord("eval.jsonl", 1, m.createObjectNode().put("instruction", "Tell a story.")
                        .put("output", "Once upon a time, there was a little girl named Lily.")),
                new DataRecord("eval.jsonl", 2, m.createObjectNode().put("instruction", "Name a pet.")
                        .put("output", "A dog.")));
    }
}
