package dev.longtune.eval.passkey;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.conformance.EvaluatorContract;
import dev.longtune.eval.Stories;
import java.io.IOException;
import java.util.List;

/** The built-in {@code passkey} keeps the conformance kit's evaluator contract on the real stories260K. */
class PasskeyConformanceTest extends EvaluatorContract<PasskeyOptions> {

    @Override
    protected EvaluatorFactory<PasskeyOptions> factory() {
        return new PasskeyFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"lengths\": [256], \"trials\": 2, \"seed\": 5}");
    }

    @Override
    protected LanguageModel model(NDManager manager) throws IOException {
        return Stories.load(manager);
    }

    @Override
    protected List<DataRecord> records() {
        return List.of(); // passkey makes its own prompts
    }
}
