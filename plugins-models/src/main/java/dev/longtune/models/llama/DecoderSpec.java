package dev.longtune.models.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelLoadRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What one decoder family changes in the shared decoder ({@link LlamaModel}, spec A.0): a family plugin is a
 * {@code ModelArchitecture}-sized class plus a {@link Parser} that turns its {@code config.json} into one of these
 * (see the {@code mistral}, {@code qwen2}, {@code gemma}, {@code gemma2} and {@code mixtral} packages; adding the
 * next family means writing that parser and, only for a genuinely new mechanism, a new field here).
 *
 * @param architecture the architecture name (the HF {@code model_type}), for {@link LlamaModel#architecture()}
 * @param gemmaNorm RMSNorm times {@code (1 + w)} in fp32, then cast (A.5.2), instead of Llama's cast-then-times-w
 * @param geluTanh GeGLU with the tanh GELU (A.5.3) instead of SwiGLU
 * @param embedScale multiply the embeddings by √hidden rounded to the activation dtype (A.5.1)
 * @param qkvBias q/k/v projections have biases (Qwen2, or {@code attention_bias})
 * @param oBias the o projection has a bias ({@code attention_bias})
 * @param mlpBias gate/up/down have biases ({@code mlp_bias})
 * @param queryScale the attention score scale (hd^-0.5, or {@code query_pre_attn_scalar^-0.5} for Gemma 2)
 * @param attnSoftcap {@code s = cap·tanh(s/cap)} after scaling, before the mask (Gemma 2), 0 for none
 * @param finalSoftcap {@code logits = cap·tanh(logits/cap)} (Gemma 2), 0 for none
 * @param layerWindows per layer, the sliding window W (query i sees keys {@code i-W < j <= i}, HF's convention), 0 for
 *        full causal attention. When every layer has the same W &gt; 0 (Mistral) it becomes the model's own attention
 *        pattern ({@link LlamaModel}: rolling KV cache); otherwise (Gemma 2's alternation) it is applied per layer
 * @param sandwichNorms Gemma 2's four norms per layer: {@code post_attention_layernorm} on the attention output,
 *        {@code pre_feedforward_layernorm} / {@code post_feedforward_layernorm} around the MLP
 * @param numExperts Mixtral's {@code num_local_experts} (0: a dense MLP)
 * @param expertsPerToken Mixtral's {@code num_experts_per_tok}
 * @param routerAuxLossCoef Mixtral's {@code router_aux_loss_coef}: the weight of the load-balancing loss in
 *        {@link LlamaModel#auxiliaryLoss()}
 */
public record DecoderSpec(
        String architecture,
        boolean gemmaNorm,
        boolean geluTanh,
        boolean embedScale,
        boolean qkvBias,
        boolean oBias,
        boolean mlpBias,
        double queryScale,
        double attnSoftcap,
        double finalSoftcap,
        int[] layerWindows,
        boolean sandwichNorms,
        int numExperts,
        int expertsPerToken,
        double routerAuxLossCoef) {

    /** Turns a family's {@code config.json} (already parsed for the shared keys) into its spec. */
    @FunctionalInterface
    public interface Parser {
        DecoderSpec parse(ObjectNode raw, LlamaConfig common, Path file);
    }

    /** The plain A.0 decoder of {@code c}: what {@code llama} (and Mistral's and Qwen2's base) computes. */
    public static Builder base(String architecture, LlamaConfig c) {
        Builder b = new Builder(architecture, c.numLayers());
        b.qkvBias = c.attentionBias();
        b.oBias = c.attentionBias();
        b.mlpBias = c.mlpBias();
        b.queryScale = 1.0 / Math.sqrt(c.headDim());
        return b;
    }

    /** The llama family: A.0 exactly. */
    public static DecoderSpec llama(ObjectNode raw, LlamaConfig c, Path file) {
        LlamaConfig.parse(raw, file); // the silu check
        return base("llama", c).build();
    }

    /** Loads a Hugging Face folder as the decoder {@code parser} describes (see {@link LlamaCheckpoint}). */
    public static LlamaModel load(ModelLoadRequest request, Parser parser) throws IOException {
        return LlamaCheckpoint.load(request, parser);
    }

    /** The window every layer shares, or 0 when none do (no window, or different windows per layer). */
    public int uniformWindow() {
        int w = layerWindows.length == 0 ? 0 : layerWindows[0];
        for (int x : layerWindows) {
            if (x != w) {
                return 0;
            }
        }
        return w;
    }

    public boolean moe() {
        return numExperts > 0;
    }

    /**
     * {@code sliding_window} of config.json: a positive integer, or absent / {@code null} for none (Mistral v0.2+).
     */
    public static int slidingWindow(ObjectNode raw, Path file) {
        JsonNode n = raw.get("sliding_window");
        if (n == null || n.isNull()) {
            return 0;
        }
        if (!n.canConvertToInt() || n.asInt() <= 0) {
            throw new LongtuneException(file + ": sliding_window must be a positive integer or null, was " + n);
        }
        return n.asInt();
    }

    /** A soft-cap value: absent or null is 0 (none). */
    public static double softcap(ObjectNode raw, String key, double dflt, Path file) {
        JsonNode n = raw.get(key);
        if (n == null) {
            return dflt;
        }
        if (n.isNull()) {
            return 0;
        }
        if (!n.isNumber() || n.asDouble() <= 0) {
            throw new LongtuneException(file + ": " + key + " must be a positive number or null, was " + n);
        }
        return n.asDouble();
    }

    /** Requires the activation of {@code key} (when present) to be one of {@code allowed}. */
    public static void requireActivation(ObjectNode raw, String key, String family, Path file, String... allowed) {
        JsonNode n = raw.get(key);
        if (n == null || n.isNull()) {
            return;
        }
        if (!Arrays.asList(allowed).contains(n.asText())) {
            throw new LongtuneException(file + ": " + key + " '" + n.asText() + "' is not supported by the "
                    + family + " architecture (only " + String.join(", ", allowed) + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DecoderSpec d && toString().equals(d.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "DecoderSpec[" + architecture + ", gemmaNorm=" + gemmaNorm + ", geluTanh=" + geluTanh + ", embedScale="
                + embedScale + ", qkvBias=" + qkvBias + ", oBias=" + oBias + ", mlpBias=" + mlpBias + ", queryScale="
                + queryScale + ", attnSoftcap=" + attnSoftcap + ", finalSoftcap=" + finalSoftcap + ", layerWindows="
                + Arrays.toString(layerWindows) + ", sandwichNorms=" + sandwichNorms + ", experts=" + numExperts
                + "/" + expertsPerToken + ", routerAuxLossCoef=" + routerAuxLossCoef + "]";
    }

    /** Mutable builder; start from {@link #base}. */
    public static final class Builder {
        private final String architecture;
        public boolean gemmaNorm;
        public boolean geluTanh;
        public boolean embedScale;
        public boolean qkvBias;
        public boolean oBias;
        public boolean mlpBias;
        public double queryScale;
        public double attnSoftcap;
        public double finalSoftcap;
        public int[] layerWindows;
        public boolean sandwichNorms;
        public int numExperts;
        public int expertsPerToken;
        public double routerAuxLossCoef;

        Builder(String architecture, int layers) {
            this.architecture = architecture;
            this.layerWindows = new int[layers];
        }

        /** Every layer uses window {@code w} (0: none). */
        public Builder window(int w) {
            Arrays.fill(layerWindows, w);
            return this;
        }

        public DecoderSpec build() {
            return new DecoderSpec(architecture, gemmaNorm, geluTanh, embedScale, qkvBias, oBias, mlpBias,
                    queryScale, attnSoftcap, finalSoftcap, layerWindows.clone(), sandwichNorms, numExperts,
                    expertsPerToken, routerAuxLossCoef);
        }
    }
}
