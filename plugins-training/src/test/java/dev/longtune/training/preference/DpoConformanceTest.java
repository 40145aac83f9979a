package dev.longtune.training.preference;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.conformance.FineTuningMethodContract;
import java.io.IOException;
import java.util.List;

/** {@code dpo} keeps the conformance kit's fine-tuning-method contract on the real stories260K. */
class DpoConformanceTest extends FineTuningMethodContract<DpoOptions> {

    @Override
    protected FineTuningMethodFactory<DpoOptions> factory() {
        return new DpoMethodFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"beta\": 0.2, \"loss_type\": \"sigmoid\", \"trains\": {\"type\": \"full\", \"freeze_layers\": 1}}");
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
