package dev.longtune.models.gguf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a Hugging Face Llama checkpoint maps onto llama.cpp's {@code llama} GGUF architecture: tensor names, and the
 * q/k row permutation between HF's rotate_half RoPE layout and GGML's interleaved one (numerics spec A.1: within
 * each head, HF row {@code j} is GGML row {@code 2j} and HF row {@code j + hd/2} is GGML row {@code 2j + 1}).
 */
final class LlamaGgufLayout {

    private static final Map<String, String> LAYER = new LinkedHashMap<>();

    static {
        LAYER.put("input_layernorm", "attn_norm");
        LAYER.put("self_attn.q_proj", "attn_q");
        LAYER.put("self_attn.k_proj", "attn_k");
        LAYER.put("self_attn.v_proj", "attn_v");
        LAYER.put("self_attn.o_proj", "attn_output");
        LAYER.put("post_attention_layernorm", "ffn_norm");
        LAYER.put("mlp.gate_proj", "ffn_gate");
        LAYER.put("mlp.up_proj", "ffn_up");
        LAYER.put("mlp.down_proj", "ffn_down");
    }

    private LlamaGgufLayout() {}

    /** The GGUF name of HF tensor {@code hf}, or null when the llama GGUF architecture has no place for it. */
    static String toGguf(String hf) {
        switch (hf) {
            case "model.embed_tokens.weight":
                return "token_embd.weight";
            case "model.norm.weight":
                return "output_norm.weight";
            case "lm_head.weight":
                return "output.weight";
            default:
                break;
        }
        if (!hf.startsWith("model.layers.")) {
            return null;
        }
        String rest = hf.substring("model.layers.".length());
        int dot = rest.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        String layer = rest.substring(0, dot);
        String tail = rest.substring(dot + 1);
        for (Map.Entry<String, String> e : LAYER.entrySet()) {
            for (String suffix : new String[] {".weight", ".bias"}) {
                if (tail.equals(e.getKey() + suffix)) {
                    return "blk." + layer + "." + e.getValue() + suffix;
                }
            }
        }
        return null;
    }

    /** The HF name of GGUF tensor {@code gguf}, or null when it is not a llama tensor Longtune knows. */
    static String toHf(String gguf) {
        switch (gguf) {
            case "token_embd.weight":
                return "model.embed_tokens.weight";
            case "output_norm.weight":
                return "model.norm.weight";
            case "output.weight":
                return "lm_head.weight";
            default:
                break;
        }
        if (!gguf.startsWith("blk.")) {
            return null;
        }
        String rest = gguf.substring(4);
        int dot = rest.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        String layer = rest.substring(0, dot);
        String tail = rest.substring(dot + 1);
        for (Map.Entry<String, String> e : LAYER.entrySet()) {
            for (String suffix : new String[] {".weight", ".bias"}) {
                if (tail.equals(e.getValue() + suffix)) {
                    return "model.layers." + layer + "." + e.getKey() + suffix;
                }
            }
        }
        return null;
    }

    /** Heads whose rows {@code hf} must be permuted for (q: attention heads, k: KV heads), or 0 for none. */
    static int permutedHeads(String hf, int heads, int kvHeads) {
        if (hf.contains(".self_attn.q_proj.")) {
            return heads;
        }
        if (hf.contains(".self_attn.k_proj.")) {
            return kvHeads;
        }
        return 0;
    }

    /**
     * HF (rotate_half) row order to GGML (interleaved): {@code out[h, 2j + s] = in[h, s * hd/2 + j]} for rows of
     * {@code cols} floats; {@code data} holds {@code heads * hd} rows. The inverse is {@link #unpermute}.
     */
    static float[] permute(float[] data, int heads, long cols) {
        return move(data, heads, cols, true);
    }

    /** GGML (interleaved) row order back to HF (rotate_half). */
    static float[] unpermute(float[] data, int heads, long cols) {
        return move(data, heads, cols, false);
    }

    private static float[] move(float[] data, int heads, long cols, boolean toGgml) {
        int c = Math.toIntExact(cols);
        if (data.length % ((long) heads * c) != 0) {
            throw new IllegalArgumentException("cannot split " + data.length + " values into " + heads
                    + " heads of rows of " + cols);
        }
        int rows = data.length / c;
        int hd = rows / heads;
        if (hd % 2 != 0) {
            throw new IllegalArgumentException("head dimension " + hd + " is odd");
        }
        int half = hd / 2;
        float[] out = new float[data.length];
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < half; j++) {
                for (int s = 0; s < 2; s++) {
                    int ggml = h * hd + 2 * j + s;
                    int hf = h * hd + s * half + j;
                    int from = toGgml ? hf : ggml;
                    int to = toGgml ? ggml : hf;
                    System.arraycopy(data, from * c, out, to * c, c);
                }
            }
        }
        return out;
    }
}
