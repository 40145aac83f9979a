package dev.longtune.eval.bylength;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.conformance.EvaluatorContract;
import dev.longtune.eval.Stories;
import java.io.IOException;
import java.util.List;

/** The built-in {@code perplexity_by_length} keeps the conformance kit's evaluator contract on stories260K. */
class PerplexityByLengthConformanceTest extends EvaluatorContract<PerplexityByLengthOptions> {

    @Override
    protected EvaluatorFactory<PerplexityByLengthOptions> factory() {
        return new PerplexityByLengthFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"lengths\": [32, 64], \"score\": \"full\", \"log_y\": true}");
    }

    @Override
    protected LanguageModel model(NDManager manager) throws IOException {
        return Stories.load(manager);
    }

    @Override
    protected List<DataRecord> records() {
        return PerplexityByLengthOnStoriesTest.records();
    }
}
