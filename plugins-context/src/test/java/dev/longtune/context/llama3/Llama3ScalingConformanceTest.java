package dev.longtune.context.llama3;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.conformance.ContextExtensionContract;

class Llama3ScalingConformanceTest extends ContextExtensionContract<Llama3ScalingOptions> {

    @Override
    protected ContextExtensionFactory<Llama3ScalingOptions> factory() {
        return new Llama3ScalingFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"factor\": 4.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, "
                + "\"original_max_position_embeddings\": 4096}");
    }
}
