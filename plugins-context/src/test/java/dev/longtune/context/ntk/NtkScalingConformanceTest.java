package dev.longtune.context.ntk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.conformance.ContextExtensionContract;

class NtkScalingConformanceTest extends ContextExtensionContract<NtkScalingOptions> {

    @Override
    protected ContextExtensionFactory<NtkScalingOptions> factory() {
        return new NtkScalingFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"factor\": 4.0}");
    }
}
