package dev.longtune.models;

import dev.longtune.api.LongtunePlugin;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.models.llama.LlamaArchitecture;
import java.util.List;

/** The models plugin jar: contributes the Llama architecture. */
public final class ModelsPlugin implements LongtunePlugin {

    @Override
    public List<ModelArchitecture<?>> modelArchitectures() {
        return List.of(new LlamaArchitecture());
    }
}
