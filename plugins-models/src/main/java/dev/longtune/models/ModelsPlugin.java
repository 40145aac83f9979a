package dev.longtune.models;

import dev.longtune.api.LongtunePlugin;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.models.gemma.GemmaArchitecture;
import dev.longtune.models.gemma2.Gemma2Architecture;
import dev.longtune.models.llama.LlamaArchitecture;
import dev.longtune.models.mistral.MistralArchitecture;
import dev.longtune.models.mixtral.MixtralArchitecture;
import dev.longtune.models.qwen2.Qwen2Architecture;
import java.util.List;

/**
 * The models plugin jar: contributes the decoder families, one architecture each (name = HF {@code model_type}):
 * llama, mistral, qwen2, gemma, gemma2 and mixtral, all on the shared decoder
 * ({@link dev.longtune.models.llama.DecoderSpec}).
 */
public final class ModelsPlugin implements LongtunePlugin {

    @Override
    public List<ModelArchitecture<?>> modelArchitectures() {
        return List.of(new LlamaArchitecture(), new MistralArchitecture(), new Qwen2Architecture(),
                new GemmaArchitecture(), new Gemma2Architecture(), new MixtralArchitecture());
    }
}
