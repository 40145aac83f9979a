package dev.longtune.models;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.llama.LlamaArchitecture;
import dev.longtune.models.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Path;

/** Loading helpers shared by the tests. */
public final class TestModels {

    public static final ObjectMapper JSON = new ObjectMapper();

    private TestModels() {}

    public static ObjectNode config(Path dir) throws IOException {
        return (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
    }

    public static LlamaModel load(Path dir, NDManager parent) throws IOException {
        return load(dir, parent, null);
    }

    /** Loads with a context extension, as the host passes it. */
    public static LlamaModel load(Path dir, NDManager parent, ContextExtension extension) throws IOException {
        return new LlamaArchitecture().loadLlama(
                new ModelLoadRequest(dir, config(dir), extension, DataType.FLOAT32, Device.cpu(), parent));
    }

    public static LlamaModel stories(NDManager parent) throws IOException {
        return load(Fixtures.stories260K(), parent);
    }

    public static LlamaModel stories(NDManager parent, ContextExtension extension) throws IOException {
        return load(Fixtures.stories260K(), parent, extension);
    }

    public static int[] referenceGreedy() throws IOException {
        return JSON.readValue(Fixtures.stories260K().resolve("greedy_ids_from_bos_256.json").toFile(), int[].class);
    }
}
