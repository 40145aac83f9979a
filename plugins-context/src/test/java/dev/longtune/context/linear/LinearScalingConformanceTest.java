package dev.longtune.context.linear;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.conformance.ContextExtensionContract;

/** The built-in {@code linear} keeps the conformance kit's context-extension contract, like any third-party plugin. */
class LinearScalingConformanceTest extends ContextExtensionContract<LinearScalingOptions> {

    @Override
    protected ContextExtensionFactory<LinearScalingOptions> factory() {
        return new LinearScalingFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"factor\": 4.0}");
    }
}
