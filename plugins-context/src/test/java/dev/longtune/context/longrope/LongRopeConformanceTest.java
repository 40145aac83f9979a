package dev.longtune.context.longrope;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.conformance.ContextExtensionContract;

/** The contract's rope has head_dim 128, so 64 factors each; long ones grow like a YaRN-style ramp. */
class LongRopeConformanceTest extends ContextExtensionContract<LongRopeOptions> {

    @Override
    protected ContextExtensionFactory<LongRopeOptions> factory() {
        return new LongRopeFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        StringBuilder shortF = new StringBuilder();
        StringBuilder longF = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            String sep = i == 0 ? "" : ", ";
            shortF.append(sep).append(1.0 + i / 128.0);
            longF.append(sep).append(1.0 + 3.0 * i / 63.0);
        }
        return json("{\"short_factor\": [" + shortF + "], \"long_factor\": [" + longF + "], \"factor\": 4.0}");
    }
}
