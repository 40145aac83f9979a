package dev.longtune.models.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An independent forward pass of every decoder family in plain Java doubles, written from numerics-spec sections
 * A.0–A.7 with loops (no DJL, nothing shared with the implementation): the family is read from {@code model_type} of
 * the checkpoint's config and its weights from the Java arrays the test wrote. Used to check the DJL decoder where
 * Jlama cannot (Mistral's window, Gemma 2, Mixtral routing).
 *
 * <ul>
 *   <li>A.3 Mistral / A.7 Mixtral: {@code sliding_window} W on every layer, query i sees keys
 *       {@code i-W < j <= i}.</li>
 *   <li>A.4 Qwen2: q/k/v biases (taken when the weights have them).</li>
 *   <li>A.5 Gemma: embedding × fp32-rounded √H, norm {@code y·(1+w)}, GeGLU with the tanh GELU, explicit
 *       head_dim.</li>
 *   <li>A.6 Gemma 2: scale {@code query_pre_attn_scalar^-1/2}, {@code cap·tanh(s/cap)} before the mask, window on
 *       even layers, four norms, final {@code 30·tanh(logits/30)}.</li>
 *   <li>A.7 Mixtral: softmax router, top-k, renormalised weights, Σ w_k·w2(silu(w1 x)·w3 x); the router
 *       probabilities of every layer are kept in {@link #routerProbs} for the auxiliary-loss check.</li>
 * </ul>
 */
public final class ReferenceDecoder {

    private final Map<String, float[]> w;
    private final String type;
    private final int hidden;
    private final int inter;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int hd;
    private final int vocab;
    private final double eps;
    private final double theta;
    private final boolean tied;
    private final int window;
    private final int experts;
    private final int topK;
    private final ObjectNode cfg;

    /** Per layer, the router softmax of every token: [layer][token][expert] (Mixtral only). */
    public final List<double[][]> routerProbs = new ArrayList<>();

    public ReferenceDecoder(ObjectNode config, Map<String, float[]> weights) {
        this.cfg = config;
        this.w = weights;
        this.type = config.get("model_type").asText();
        this.hidden = config.get("hidden_size").asInt();
        this.inter = config.get("intermediate_size").asInt();
        this.layers = config.get("num_hidden_layers").asInt();
        this.heads = config.get("num_attention_heads").asInt();
        this.kvHeads = config.path("num_key_value_heads").asInt(heads);
        this.hd = config.has("head_dim") ? config.get("head_dim").asInt() : hidden / heads;
        this.vocab = config.get("vocab_size").asInt();
        this.eps = config.get("rms_norm_eps").asDouble();
        this.theta = config.get("rope_theta").asDouble();
        this.tied = config.get("tie_word_embeddings").asBoolean();
        JsonNode sw = config.get("sliding_window");
        this.window = sw == null || sw.isNull() ? 0 : sw.asInt();
        this.experts = config.path("num_local_experts").asInt(0);
        this.topK = config.path("num_experts_per_tok").asInt(2);
    }

    private boolean gemma() {
        return type.equals("gemma") || type.equals("gemma2");
    }

    private boolean gemma2() {
        return type.equals("gemma2");
    }

    /** Whether layer {@code l}'s query i sees key j. */
    boolean sees(int l, int i, int j) {
        if (j > i) {
            return false;
        }
        int wnd = 0;
        if (gemma2()) {
            wnd = l % 2 == 0 ? window : 0;
        } else if (type.equals("mistral") || type.equals("mixtral")) {
            wnd = window;
        }
        return wnd <= 0 || j > i - wnd;
    }

    /** Logits [T][V] at positions 0..T-1. */
    public double[][] forward(int[] ids) {
        routerProbs.clear();
        int t = ids.length;
        double[][] x = new double[t][hidden];
        float[] emb = w.get("model.embed_tokens.weight");
        double normalizer = gemma() ? (double) (float) Math.sqrt(hidden) : 1.0; // rounded to the fp32 activations
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < hidden; j++) {
                x[i][j] = emb[ids[i] * hidden + j] * normalizer;
            }
        }
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            double[][] n = norm(x, w.get(p + "input_layernorm.weight"));
            double[][] q = lin(n, p + "self_attn.q_proj", heads * hd);
            double[][] k = lin(n, p + "self_attn.k_proj", kvHeads * hd);
            double[][] v = lin(n, p + "self_attn.v_proj", kvHeads * hd);
            rope(q, heads);
            rope(k, kvHeads);
            double scale = gemma2() ? 1 / Math.sqrt(cfg.path("query_pre_attn_scalar").asDouble(256))
                    : 1 / Math.sqrt(hd);
            double cap = gemma2() ? cfg.path("attn_logit_softcapping").asDouble(50) : 0;
            double[][] attn = new double[t][heads * hd];
            int group = heads / kvHeads;
            for (int head = 0; head < heads; head++) {
                int kvh = head / group;
                for (int i = 0; i < t; i++) {
                    double[] s = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += q[i][head * hd + d] * k[j][kvh * hd + d];
                        }
                        s[j] = dot * scale;
                        if (cap > 0) {
                            s[j] = cap * Math.tanh(s[j] / cap);
                        }
                        if (sees(l, i, j)) {
                            max = Math.max(max, s[j]);
                        }
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        s[j] = sees(l, i, j) ? Math.exp(s[j] - max) : 0;
                        sum += s[j];
                    }
                    for (int j = 0; j < t; j++) {
                        for (int d = 0; d < hd; d++) {
                            attn[i][head * hd + d] += s[j] / sum * v[j][kvh * hd + d];
                        }
                    }
                }
            }
            double[][] o = lin(attn, p + "self_attn.o_proj", hidden);
            if (gemma2()) {
                o = norm(o, w.get(p + "post_attention_layernorm.weight"));
                add(x, o);
                n = norm(x, w.get(p + "pre_feedforward_layernorm.weight"));
                add(x, norm(mlp(n, p + "mlp."), w.get(p + "post_feedforward_layernorm.weight")));
                continue;
            }
            add(x, o);
            n = norm(x, w.get(p + "post_attention_layernorm.weight"));
            add(x, experts > 0 ? moe(n, p + "block_sparse_moe.") : mlp(n, p + "mlp."));
        }
        double[][] n = norm(x, w.get("model.norm.weight"));
        double[][] logits = matT(n, tied ? w.get("model.embed_tokens.weight") : w.get("lm_head.weight"), vocab);
        if (gemma2()) {
            double cap = cfg.path("final_logit_softcapping").asDouble(30);
            for (double[] row : logits) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = cap * Math.tanh(row[j] / cap);
                }
            }
        }
        return logits;
    }

    private double[][] mlp(double[][] x, String p) {
        String g = p.endsWith("mlp.") ? "gate_proj" : "w1";
        String u = p.endsWith("mlp.") ? "up_proj" : "w3";
        String d = p.endsWith("mlp.") ? "down_proj" : "w2";
        double[][] gv = matT(x, w.get(p + g + ".weight"), inter);
        double[][] uv = matT(x, w.get(p + u + ".weight"), inter);
        for (int i = 0; i < gv.length; i++) {
            for (int j = 0; j < inter; j++) {
                double a = gv[i][j];
                double act = gemma() ? 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)))
                        : a / (1 + Math.exp(-a));
                gv[i][j] = act * uv[i][j];
            }
        }
        return matT(gv, w.get(p + d + ".weight"), hidden);
    }

    private double[][] moe(double[][] x, String p) {
        double[][] logits = matT(x, w.get(p + "gate.weight"), experts);
        double[][] probs = new double[x.length][experts];
        double[][] out = new double[x.length][hidden];
        for (int i = 0; i < x.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : logits[i]) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int e = 0; e < experts; e++) {
                probs[i][e] = Math.exp(logits[i][e] - max);
                sum += probs[i][e];
            }
            for (int e = 0; e < experts; e++) {
                probs[i][e] /= sum;
            }
            int[] top = topK(probs[i], topK);
            double norm = 0;
            for (int e : top) {
                norm += probs[i][e];
            }
            for (int e : top) {
                double[][] y = mlp(new double[][] {x[i]}, p + "experts." + e + ".");
                for (int j = 0; j < hidden; j++) {
                    out[i][j] += probs[i][e] / norm * y[0][j];
                }
            }
        }
        routerProbs.add(probs);
        return out;
    }

    /** Indices of the k largest entries, largest first (ties to the lower index). */
    public static int[] topK(double[] p, int k) {
        int[] out = new int[k];
        boolean[] used = new boolean[p.length];
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int e = 0; e < p.length; e++) {
                if (!used[e] && (best < 0 || p[e] > p[best])) {
                    best = e;
                }
            }
            used[best] = true;
            out[j] = best;
        }
        return out;
    }

    private double[][] lin(double[][] x, String name, int out) {
        double[][] y = matT(x, w.get(name + ".weight"), out);
        float[] b = w.get(name + ".bias");
        if (b != null) {
            for (double[] row : y) {
                for (int j = 0; j < out; j++) {
                    row[j] += b[j];
                }
            }
        }
        return y;
    }

    private double[][] norm(double[][] x, float[] weight) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double ms = 0;
            for (double v : x[i]) {
                ms += v * v;
            }
            double r = 1 / Math.sqrt(ms / x[i].length + eps);
            out[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = x[i][j] * r * (gemma() ? 1.0 + weight[j] : weight[j]);
            }
        }
        return out;
    }

    private static double[][] matT(double[][] x, float[] w, int out) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int j = 0; j < in; j++) {
                    s += x[i][j] * w[o * in + j];
                }
                y[i][o] = s;
            }
        }
        return y;
    }

    private static void add(double[][] x, double[][] y) {
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] += y[i][j];
            }
        }
    }

    /** rotate_half RoPE at position = row index (A.1): dimension i pairs with i + hd/2. */
    private void rope(double[][] x, int nHeads) {
        int half = hd / 2;
        for (int pos = 0; pos < x.length; pos++) {
            for (int head = 0; head < nHeads; head++) {
                int o = head * hd;
                double[] r = new double[hd];
                for (int i = 0; i < hd; i++) {
                    double a = pos / Math.pow(theta, 2.0 * (i % half) / hd);
                    double rot = i < half ? -x[pos][o + i + half] : x[pos][o + i - half];
                    r[i] = x[pos][o + i] * Math.cos(a) + rot * Math.sin(a);
                }
                System.arraycopy(r, 0, x[pos], o, hd);
            }
        }
    }
}
