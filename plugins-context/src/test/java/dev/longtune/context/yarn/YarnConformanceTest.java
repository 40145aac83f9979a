package dev.longtune.context.yarn;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.conformance.ContextExtensionContract;

class YarnConformanceTest extends ContextExtensionContract<YarnOptions> {

    @Override
    protected ContextExtensionFactory<YarnOptions> factory() {
        return new YarnFactory();
    }

    /** Non-default keys, so the round trip covers them. */
    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"factor\": 8.0, \"beta_fast\": 16, \"truncate\": false, \"mscale\": 1.0, "
                + "\"mscale_all_dim\": 0.5}");
    }
}
