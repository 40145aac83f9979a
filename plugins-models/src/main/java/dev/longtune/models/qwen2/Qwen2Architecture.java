package dev.longtune.models.qwen2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.models.llama.DecoderSpec;
import dev.longtune.models.llama.LlamaConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The Qwen2 family (Qwen2, Qwen2.5): {@code model_type: qwen2}. No options.
 *
 * <p>Spec A.4: the A.0 decoder with biases on q_proj, k_proj and v_proj (never on o_proj or the MLP). The sliding
 * window applies only when {@code use_sliding_window} is true, to the layers {@code layer_types} marks
 * {@code sliding_attention} or, without that key, to layers {@code i >= max_window_layers} (transformers' rule);
 * normally none. RMSNorm is the Llama form (newer transformers' {@code torch.nn.RMSNorm} differs by ~1 ulp in bf16).
 */
public final class Qwen2Architecture implements ModelArchitecture<NoOptions> {

    public static final String NAME = "qwen2";

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
        return "Qwen2 decoder (Llama with q/k/v biases) from a Hugging Face safetensors folder";
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of(NAME);
    }

    @Override
    public LanguageModel load(NoOptions options, ModelLoadRequest request) throws IOException {
        return DecoderSpec.load(request, Qwen2Architecture::spec);
    }

    static DecoderSpec spec(ObjectNode raw, LlamaConfig c, Path file) {
        DecoderSpec.requireActivation(raw, "hidden_act", NAME, file, "silu");
        DecoderSpec.Builder b = DecoderSpec.base(NAME, c);
        b.qkvBias = true;
        b.oBias = false;
        b.mlpBias = false;
        if (raw.path("use_sliding_window").asBoolean(false)) {
            int w = DecoderSpec.slidingWindow(raw, file);
            JsonNode types = raw.get("layer_types");
            int maxWindowLayers = raw.path("max_window_layers").asInt(28);
            for (int i = 0; i < c.numLayers() && w > 0; i++) {
                boolean sliding;
                if (types != null && types.isArray()) {
                    if (types.size() != c.numLayers()) {
                        throw new LongtuneException(file + ": layer_types has " + types.size() + " entries for "
                                + c.numLayers() + " layers");
                    }
                    sliding = "sliding_attention".equals(types.get(i).asText());
                } else {
                    sliding = i >= maxWindowLayers;
                }
                b.layerWindows[i] = sliding ? w : 0;
            }
        }
        return b.build();
    }
}
