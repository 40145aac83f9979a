package dev.longtune.eval.rouge;

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

/** The built-in {@code rouge} keeps the conformance kit's evaluator contract on the real stories260K. */
class RougeConformanceTest extends EvaluatorContract<RougeOptions> {

    @Override
    protected EvaluatorFactory<RougeOptions> factory() {
        return new RougeFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"max_records\": 1, \"use_stemmer\": true, \"bootstrap\": 100}");
    }

    @Override
    protected LanguageModel model(NDManager manager) throws IOException {
        return Stories.load(manager);
    }

    @Override
    protected List<DataRecord> records() {
        ObjectMapper m = new ObjectMapper();
        return List.of(
                new DataRecord("eval.jsonl", 1, m.createObjectNode().put("prompt", "Once upon a time")
                        .put("completion", " there was a little girl named Lily.")),
                new DataRecord("eval.jsonl", 2, m.createObjectNode().put("prompt", "The dog")
                        .put("completion", " ran to the park to play.")));
    }
}
