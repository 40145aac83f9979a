package dev.longtune.models.llama;

import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import java.io.IOException;
import java.util.Set;

/**
 * The Llama family (Llama 2, Llama 3.x, TinyLlama, stories*): {@code model_type: llama}. No options.
 *
 * <pre>{@code
 * ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
 * try (LanguageModel m = new LlamaArchitecture().load(new NoOptions(),
 *         new ModelLoadRequest(dir, cfg, null, DataType.FLOAT32, Device.cpu(), rootManager))) {
 *     Generation g = m.generate(m.tokenizer().encodeWithBos("Once upon"), GenerationOptions.greedy(50), null);
 * }
 * }</pre>
 */
public final class LlamaArchitecture implements ModelArchitecture<NoOptions> {

    public static final String NAME = "llama";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<NoOptions> optionsType() {
        return NoOptions.class;
    }

    @Override
    public String description() {
        return "Llama decoder (RMSNorm, GQA, rotate_half RoPE, SwiGLU) from a Hugging Face safetensors folder";
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of("llama");
    }

    @Override
    public LanguageModel load(NoOptions options, ModelLoadRequest request) throws IOException {
        return loadLlama(request);
    }

    /** {@link #load} with the concrete type, for callers that want {@link LlamaModel#llamaConfig()}. */
    public LlamaModel loadLlama(ModelLoadRequest request) throws IOException {
        return LlamaCheckpoint.load(request);
    }
}
