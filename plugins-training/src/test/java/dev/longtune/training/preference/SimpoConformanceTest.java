package dev.longtune.training.preference;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.conformance.FineTuningMethodContract;
import java.io.IOException;
import java.util.List;

/** {@code simpo} keeps the conformance kit's fine-tuning-method contract on the real stories260K. */
class SimpoConformanceTest extends FineTuningMethodContract<SimpoOptions> {

    @Override
    protected FineTuningMethodFactory<SimpoOptions> factory() {
        return new SimpoMethodFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"beta\": 2.0, \"gamma\": 0.5, \"cpo_alpha\": 0.0}");
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
