package dev.longtune.models.mistral;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.models.llama.DecoderSpec;
import dev.longtune.models.llama.LlamaConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The Mistral family (Mistral 7B v0.1–v0.3 and derivatives): {@code model_type: mistral}. No options.
 *
 * <p>Spec A.3: the A.0 decoder plus {@code sliding_window} from config.json ({@code null}: none; absent:
 * transformers' default 4096), which becomes the model's own attention pattern on every layer (a rolling KV cache of
 * W slots when generating). A context extension's pattern combines with it: causal keeps Mistral's window, a narrower sliding window wins, S²-Attn
 * replaces it for training.
 *
 * <p><b>Window edge.</b> Query i sees keys {@code i-W < j <= i}: exactly W keys including itself, as transformers'
 * {@code MistralForCausalLM} (and its sliding caches) compute it. Mistral's reference {@code one_file_ref.py} sees
 * W+1 ({@code j >= i-W}); we follow HF because the checkpoints are loaded, fine-tuned and evaluated against
 * transformers (spec G.4), and because the rolling cache then holds exactly W positions.
 */
public final class MistralArchitecture implements ModelArchitecture<NoOptions> {

    public static final String NAME = "mistral";

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
        return "Mistral decoder (Llama with config.json's sliding_window, HF's W-key edge) from a Hugging Face "
                + "safetensors folder";
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of(NAME);
    }

    @Override
    public LanguageModel load(NoOptions options, ModelLoadRequest request) throws IOException {
        return DecoderSpec.load(request, MistralArchitecture::spec);
    }

    /** A.0 with every layer windowed by {@code sliding_window}. */
    static DecoderSpec spec(ObjectNode raw, LlamaConfig c, Path file) {
        DecoderSpec.requireActivation(raw, "hidden_act", NAME, file, "silu");
        // transformers' MistralConfig defaults an absent sliding_window to 4096; null means none.
        int w = raw.has("sliding_window") ? DecoderSpec.slidingWindow(raw, file) : 4096;
        return DecoderSpec.base(NAME, c).window(w).build();
    }
}
