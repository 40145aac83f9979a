package dev.longtune.context.dynamic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.conformance.ContextExtensionContract;

class DynamicNtkConformanceTest extends ContextExtensionContract<DynamicNtkOptions> {

    @Override
    protected ContextExtensionFactory<DynamicNtkOptions> factory() {
        return new DynamicNtkFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"factor\": 4.0}");
    }
}
