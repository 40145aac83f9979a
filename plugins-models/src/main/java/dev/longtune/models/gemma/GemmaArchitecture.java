package dev.longtune.models.gemma;

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
 * The Gemma 1 family (Gemma 2B / 7B, CodeGemma): {@code model_type: gemma}. No options.
 *
 * <p>Spec A.5 on top of A.0: embeddings times √hidden rounded to the activation dtype; GemmaRMSNorm
 * ({@code (1 + w)} applied in fp32 before the downcast); GeGLU with the tanh GELU; {@code head_dim} independent of
 * the hidden size; MQA or MHA; tied embeddings. transformers' GemmaConfig defaults fill absent keys
 * ({@code head_dim} 256, {@code tie_word_embeddings} true, bos 2, eos 1).
 *
 * <p><b>Activation</b> (spec A.5.3, G.6): {@code hidden_activation} when present (only the tanh forms
 * {@code gelu_pytorch_tanh} / {@code gelu_new} are supported), otherwise the tanh GELU whatever {@code hidden_act}
 * says: Gemma 1.0's configs carry {@code hidden_act: "gelu"}, which older transformers overrode to the tanh form and
 * the newest reads literally; the checkpoints were trained with the tanh form.
 */
public final class GemmaArchitecture implements ModelArchitecture<NoOptions> {

    public static final String NAME = "gemma";

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
        return "Gemma 1 decoder (scaled embedding, (1+w) RMSNorm, tanh GeGLU, MQA, tied) from a Hugging Face "
                + "safetensors folder";
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of(NAME);
    }

    @Override
    public LanguageModel load(NoOptions options, ModelLoadRequest request) throws IOException {
        return DecoderSpec.load(withGemmaDefaults(request), GemmaArchitecture::spec);
    }

    static DecoderSpec spec(ObjectNode raw, LlamaConfig c, Path file) {
        DecoderSpec.Builder b = gemmaBase(NAME, raw, c, file);
        return b.build();
    }

    /** What Gemma 1 and 2 share: the scaled embedding, the (1+w) norm and the tanh GeGLU. */
    public static DecoderSpec.Builder gemmaBase(String name, ObjectNode raw, LlamaConfig c, Path file) {
        DecoderSpec.requireActivation(raw, "hidden_activation", name, file, "gelu_pytorch_tanh", "gelu_new");
        DecoderSpec.Builder b = DecoderSpec.base(name, c);
        b.gemmaNorm = true;
        b.geluTanh = true;
        b.embedScale = true;
        return b;
    }

    /**
     * The request with transformers' Gemma defaults for absent keys ({@code head_dim} 256, tied embeddings, bos 2,
     * eos 1), so the shared parser (which has Llama's defaults) reads them.
     */
    public static ModelLoadRequest withGemmaDefaults(ModelLoadRequest r) {
        ObjectNode raw = r.hfConfig();
        if (raw == null) {
            throw new LongtuneException("no config.json content for " + r.directory());
        }
        ObjectNode c = raw.deepCopy();
        putIfAbsent(c, "head_dim", 256);
        if (!c.hasNonNull("tie_word_embeddings")) {
            c.put("tie_word_embeddings", true);
        }
        putIfAbsent(c, "bos_token_id", 2);
        putIfAbsent(c, "eos_token_id", 1);
        return new ModelLoadRequest(r.directory(), c, r.contextExtension(), r.dtype(), r.device(),
                r.parentManager());
    }

    private static void putIfAbsent(ObjectNode c, String key, int value) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) {
            c.put(key, value);
        }
    }
}
