package dev.longtune.eval.needle;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.conformance.EvaluatorContract;
import dev.longtune.eval.Stories;
import java.io.IOException;
import java.util.List;

/** The built-in {@code needle} keeps the conformance kit's evaluator contract on the real stories260K. */
class NeedleConformanceTest extends EvaluatorContract<NeedleOptions> {

    @Override
    protected EvaluatorFactory<NeedleOptions> factory() {
        return new NeedleFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"lengths\": [256], \"depths\": [0, 100], \"final_buffer\": 64, \"max_new_tokens\": 4, "
                + "\"template\": \"alpaca\"}");
    }

    @Override
    protected LanguageModel model(NDManager manager) throws IOException {
        return Stories.load(manager);
    }

    @Override
    protected List<DataRecord> records() {
        return List.of(); // the haystack comes from its own files
    }
}
