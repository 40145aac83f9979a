package dev.longtune.models.llama;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.NoOptions;
import dev.longtune.conformance.Fixtures;
import dev.longtune.conformance.ModelContract;
import java.nio.file.Path;

/** The built-in {@code llama} keeps the conformance kit's model contract on the real stories260K checkpoint. */
class LlamaConformanceTest extends ModelContract<NoOptions> {

    @Override
    protected ModelArchitecture<NoOptions> factory() {
        return new LlamaArchitecture();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{}");
    }

    @Override
    protected Path checkpoint() {
        return Fixtures.stories260K();
    }
}
