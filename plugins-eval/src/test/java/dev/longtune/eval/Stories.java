package dev.longtune.eval;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.llama.LlamaArchitecture;
import java.io.IOException;
import java.nio.file.Path;

/** Loads the committed, real pretrained stories260K (context 512, vocabulary 512) under a manager. */
public final class Stories {

    private Stories() {}

    public static LanguageModel load(NDManager manager) throws IOException {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().load(new NoOptions(), new ModelLoadRequest(dir, config, null, DataType.FLOAT32,
                Device.cpu(), manager));
    }
}
