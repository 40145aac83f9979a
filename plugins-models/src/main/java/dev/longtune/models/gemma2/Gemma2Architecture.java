package dev.longtune.models.gemma2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.models.gemma.GemmaArchitecture;
import dev.longtune.models.llama.DecoderSpec;
import dev.longtune.models.llama.LlamaConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The Gemma 2 family: {@code model_type: gemma2}. No options.
 *
 * <p>Spec A.6 on top of Gemma 1: attention scale {@code query_pre_attn_scalar^-0.5} (default 256); attention
 * soft-capping {@code s = cap·tanh(s/cap)} after scaling and before the mask ({@code attn_logit_softcapping}, default
 * 50; {@code null} disables it); final logit soft-capping ({@code final_logit_softcapping}, default 30); four norms
 * per layer; a sliding window of {@code sliding_window} (default 4096, W keys seen as in HF) on the layers
 * {@code layer_types} marks {@code sliding_attention} or, without that key, on even layers (transformers'
 * {@code layer_idx % 2 == 0}), full causal attention on the others. With a KV cache the windowed layers are masked
 * by position over a full (non-rolling) cache.
 */
public final class Gemma2Architecture implements ModelArchitecture<NoOptions> {

    public static final String NAME = "gemma2";

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
        return "Gemma 2 decoder (Gemma 1 plus soft-capping, alternating sliding window, four norms per layer, "
                + "query_pre_attn_scalar) from a Hugging Face safetensors folder";
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of(NAME);
    }

    @Override
    public LanguageModel load(NoOptions options, ModelLoadRequest request) throws IOException {
        return DecoderSpec.load(GemmaArchitecture.withGemmaDefaults(request), Gemma2Architecture::spec);
    }

    static DecoderSpec spec(ObjectNode raw, LlamaConfig c, Path file) {
        DecoderSpec.Builder b = GemmaArchitecture.gemmaBase(NAME, raw, c, file);
        JsonNode qpas = raw.get("query_pre_attn_scalar");
        double scalar = qpas == null || qpas.isNull() ? 256 : qpas.asDouble();
        if (!(scalar > 0)) {
            throw new LongtuneException(file + ": query_pre_attn_scalar must be positive, was " + qpas);
        }
        b.queryScale = 1.0 / Math.sqrt(scalar);
        b.attnSoftcap = DecoderSpec.softcap(raw, "attn_logit_softcapping", 50.0, file);
        b.finalSoftcap = DecoderSpec.softcap(raw, "final_logit_softcapping", 30.0, file);
        b.sandwichNorms = true;
        int w = raw.has("sliding_window") ? DecoderSpec.slidingWindow(raw, file) : 4096;
        JsonNode types = raw.get("layer_types");
        if (types != null && types.isArray() && types.size() != c.numLayers()) {
            throw new LongtuneException(file + ": layer_types has " + types.size() + " entries for "
                    + c.numLayers() + " layers");
        }
        for (int i = 0; i < c.numLayers(); i++) {
            boolean sliding = types != null && types.isArray() ? "sliding_attention".equals(types.get(i).asText())
                    : i % 2 == 0;
            b.layerWindows[i] = sliding ? w : 0;
        }
        return b.build();
    }
}
