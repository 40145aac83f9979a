package dev.longtune.models.llama;

import dev.longtune.models.RandomCheckpoint;

/**
 * An independent Llama forward pass in plain Java doubles, written from the spec's formulas (A.0, A.1) with loops,
 * no DJL: used to check the DJL implementation, never the other way round.
 */
final class ReferenceLlama {

    private final RandomCheckpoint ck;

    ReferenceLlama(RandomCheckpoint ck) {
        this.ck = ck;
    }

    /** Which keys a query may see: {@code sees(head, i, j)} for query i and key j (sequence indices). */
    interface Visibility {
        boolean sees(int head, int query, int key);
    }

    static final Visibility CAUSAL = (head, i, j) -> j <= i;

    /** Logits [T][V] for one sequence at positions 0..T-1. */
    double[][] forward(int[] ids) {
        return forward(ids, CAUSAL);
    }

    /** Logits [T][V] for one sequence at positions 0..T-1, attention restricted by {@code vis}. */
    double[][] forward(int[] ids, Visibility vis) {
        int t = ids.length;
        int h = ck.hidden;
        double[][] x = new double[t][h];
        float[] emb = ck.weights.get("model.embed_tokens.weight");
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < h; j++) {
                x[i][j] = emb[ids[i] * h + j];
            }
        }
        for (int l = 0; l < ck.layers; l++) {
            String p = "model.layers." + l + ".";
            double[][] n = rmsNorm(x, w(p + "input_layernorm.weight"));
            double[][] q = matT(n, w(p + "self_attn.q_proj.weight"), ck.heads * ck.headDim);
            double[][] k = matT(n, w(p + "self_attn.k_proj.weight"), ck.kvHeads * ck.headDim);
            double[][] v = matT(n, w(p + "self_attn.v_proj.weight"), ck.kvHeads * ck.headDim);
            rope(q, ck.heads);
            rope(k, ck.kvHeads);
            double[][] attn = new double[t][ck.heads * ck.headDim];
            int group = ck.heads / ck.kvHeads;
            int hd = ck.headDim;
            for (int head = 0; head < ck.heads; head++) {
                int kvh = head / group; // repeat_kv: consecutive query heads share a KV head
                for (int i = 0; i < t; i++) {
                    double[] s = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        if (!vis.sees(head, i, j)) {
                            continue;
                        }
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += q[i][head * hd + d] * k[j][kvh * hd + d];
                        }
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        s[j] = vis.sees(head, i, j) ? Math.exp(s[j] - max) : 0;
                        sum += s[j];
                    }
                    for (int j = 0; j < t; j++) {
                        for (int d = 0; d < hd; d++) {
                            attn[i][head * hd + d] += s[j] / sum * v[j][kvh * hd + d];
                        }
                    }
                }
            }
            double[][] o = matT(attn, w(p + "self_attn.o_proj.weight"), h);
            add(x, o);
            n = rmsNorm(x, w(p + "post_attention_layernorm.weight"));
            double[][] g = matT(n, w(p + "mlp.gate_proj.weight"), ck.intermediate);
            double[][] u = matT(n, w(p + "mlp.up_proj.weight"), ck.intermediate);
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < ck.intermediate; j++) {
                    double gv = g[i][j];
                    g[i][j] = gv / (1 + Math.exp(-gv)) * u[i][j];
                }
            }
            add(x, matT(g, w(p + "mlp.down_proj.weight"), h));
        }
        double[][] n = rmsNorm(x, w("model.norm.weight"));
        float[] head = ck.tied ? w("model.embed_tokens.weight") : w("lm_head.weight");
        return matT(n, head, ck.vocab);
    }

    private float[] w(String name) {
        return ck.weights.get(name);
    }

    double[][] rmsNorm(double[][] x, float[] weight) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double ms = 0;
            for (double v : x[i]) {
                ms += v * v;
            }
            ms /= x[i].length;
            double r = 1 / Math.sqrt(ms + ck.eps);
            out[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = x[i][j] * r * weight[j];
            }
        }
        return out;
    }

    /** y = x · Wᵀ with W stored [out, in] row-major. */
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

    /** rotate_half RoPE at position = row index: dimension i pairs with i + d/2. */
    private void rope(double[][] x, int nHeads) {
        int hd = ck.headDim;
        int half = hd / 2;
        for (int pos = 0; pos < x.length; pos++) {
            for (int head = 0; head < nHeads; head++) {
                int o = head * hd;
                double[] r = new double[hd];
                for (int i = 0; i < hd; i++) {
                    int fi = i % half;
                    double inv = 1.0 / Math.pow(ck.theta, 2.0 * fi / hd);
                    double a = pos * inv;
                    double rot = i < half ? -x[pos][o + i + half] : x[pos][o + i - half];
                    r[i] = x[pos][o + i] * Math.cos(a) + rot * Math.sin(a);
                }
                System.arraycopy(r, 0, x[pos], o, hd);
            }
        }
    }
}
