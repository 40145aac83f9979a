package dev.longtune.training.preference;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.conformance.FineTuningMethodContract;
import java.io.IOException;
import java.util.List;

/** {@code orpo} keeps the conformance kit's fine-tuning-method contract on the real stories260K. */
class OrpoConformanceTest extends FineTuningMethodContract<OrpoOptions> {

    @Override
    protected FineTuningMethodFactory<OrpoOptions> factory() {
        return new OrpoMethodFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"beta\": 0.1, \"trains\": \"full\"}");
    }

    @Override
    protected LanguageModel model(NDManager manager) throws IOException {
        return PreferenceFixtures.stories(manager);
    }

    @Override
    protected List<DataRecord> records() {
        return PreferenceFixtures.storyPairs();
    }
}
