package dev.longtune.training.preference;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.conformance.FineTuningMethodContract;
import java.io.IOException;
import java.util.List;

/** {@code kto} keeps the conformance kit's fine-tuning-method contract on the real stories260K. */
class KtoConformanceTest extends FineTuningMethodContract<KtoOptions> {

    @Override
    protected FineTuningMethodFactory<KtoOptions> factory() {
        return new KtoMethodFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"beta\": 0.1, \"desirable_weight\": 1.0, \"undesirable_weight\": 1.33}");
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
