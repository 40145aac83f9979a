package dev.longtune.models.mixtral;

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
 * The Mixtral family (Mixtral 8x7B / 8x22B): {@code model_type: mixtral}. No options.
 *
 * <p>Spec A.7: Mistral's attention (with its {@code sliding_window}, normally {@code null}) and a top-k mixture of
 * SwiGLU experts instead of the MLP: router softmax in fp32, top-{@code num_experts_per_tok} (default 2) of
 * {@code num_local_experts} (default 8), weights renormalised over the chosen k and cast to the activation dtype.
 * Each expert's w1/w3/w2 is a {@code LinearLayer} ({@code ...block_sparse_moe.experts.{e}.w1}), so adapters reach
 * them; the router ({@code block_sparse_moe.gate}) is a plain parameter.
 *
 * <p><b>Router auxiliary loss.</b> After a training forward, {@code LanguageModel.auxiliaryLoss()} holds
 * {@code router_aux_loss_coef} (default 0.001) times the load-balancing loss over all layers and tokens; trainers add
 * it to the loss (transformers adds it only when {@code output_router_logits} is true). {@code router_jitter_noise}
 * &gt; 0 is not supported (rejected).
 */
public final class MixtralArchitecture implements ModelArchitecture<NoOptions> {

    public static final String NAME = "mixtral";

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
        return "Mixtral decoder (Mistral attention, top-2 mixture of SwiGLU experts, router auxiliary loss) from a "
                + "Hugging Face safetensors folder";
    }

    @Override
    public Set<String> modelTypes() {
        return Set.of(NAME);
    }

    @Override
    public LanguageModel load(NoOptions options, ModelLoadRequest request) throws IOException {
        ObjectNode raw = request.hfConfig();
        if (raw != null && !raw.hasNonNull("rope_theta") && !raw.has("rope_parameters")) {
            // transformers' MixtralConfig defaults rope_theta to 1e6 (the shared parser has Llama's 1e4).
            raw = raw.deepCopy();
            raw.put("rope_theta", 1e6);
            request = new ModelLoadRequest(request.directory(), raw, request.contextExtension(), request.dtype(),
                    request.device(), request.parentManager());
        }
        return DecoderSpec.load(request, MixtralArchitecture::spec);
    }

    static DecoderSpec spec(ObjectNode raw, LlamaConfig c, Path file) {
        DecoderSpec.requireActivation(raw, "hidden_act", NAME, file, "silu");
        DecoderSpec.Builder b = DecoderSpec.base(NAME, c).window(DecoderSpec.slidingWindow(raw, file));
        b.numExperts = raw.path("num_local_experts").asInt(8);
        b.expertsPerToken = raw.path("num_experts_per_tok").asInt(2);
        b.routerAuxLossCoef = raw.path("router_aux_loss_coef").asDouble(0.001);
        if (b.numExperts <= 0 || b.expertsPerToken <= 0 || b.expertsPerToken > b.numExperts) {
            throw new LongtuneException(file + ": num_experts_per_tok (" + b.expertsPerToken + ") must be between 1 "
                    + "and num_local_experts (" + b.numExperts + ")");
        }
        if (raw.path("router_jitter_noise").asDouble(0) > 0) {
            throw new LongtuneException(file + ": router_jitter_noise > 0 is not supported by the mixtral "
                    + "architecture");
        }
        return b.build();
    }
}
