package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.AttentionPattern;
import dev.longtune.api.LongtuneException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * LongLoRA's shifted sparse attention (S²-Attn, numerics spec C) on {@code q, k, v [B, nH, N, hd]} that already
 * carry RoPE at their true positions and are expanded by repeat_kv. With {@code G = int(N·ratio)} and
 * {@code s = G/2}: heads {@code h < nH/2} attend causally inside groups {@code [0, G), [G, 2G), …}; heads
 * {@code h >= nH/2} are shifted by {@code s} (unless a single group spans the sequence, {@code G = N}: then nothing
 * is shifted and the result is exactly causal attention):
 * <ul>
 *   <li>{@code wrap = true} (the reference's roll variant): roll q, k, v by {@code -s} along the sequence, attend
 *       causally inside groups of G, roll the output back by {@code +s}. The last group holds the tail tokens
 *       {@code [N-G+s, N)} followed by the head tokens {@code [0, s)}, which therefore see the tail.</li>
 *   <li>{@code wrap = false} (the flash-attention variant the paper trained with): causal segments with
 *       boundaries {@code [0, s, s+G, …, N-G+s, N]}, half-size groups at both ends, no wrap-around. Computed like
 *       the roll variant, except that the last rolled group gets a mask splitting it into its two segments.</li>
 * </ul>
 *
 * <p><b>Implementation.</b> The default (grouped) path reshapes to {@code [B, h, N/G, G, hd]} and computes only the
 * {@code N·G} in-group scores per head, with one {@code [G, G]} causal mask (or {@code [N/G, G, G]} for the flash
 * variant's shifted half) broadcast over batch and heads. The alternative ({@link #grouped} false) is attention over
 * the full {@code N x N} scores with block-diagonal masks in original token order (no roll at all); it computes
 * {@code N/G} times more scores and exists to cross-check and measure the grouped path. Masks are built once per
 * (N, G, variant) from torch ops or Java booleans turned into torch-owned tensors, and kept in the buffer manager.
 */
final class ShiftedSparseAttention {

    private static final int MAX_MASKS = 16;

    private final DataType dtype;
    private final NDManager buffers;
    private final CausalMask causal;
    private final NDArray scale;
    private final Map<String, NDArray> masks = new LinkedHashMap<>(16, 0.75f, true);

    /** True: reshape into groups (the fast path). False: full N x N scores with block-diagonal masks. */
    volatile boolean grouped = true;

    ShiftedSparseAttention(DataType dtype, NDManager buffers, CausalMask causal, NDArray scale) {
        this.dtype = dtype;
        this.buffers = buffers;
        this.causal = causal;
        this.scale = scale;
    }

    /** {@code G = int(N·ratio)}; N must be a multiple of it. */
    static int groupSize(int n, double ratio) {
        int g = (int) (n * ratio);
        if (g < 1 || n % g != 0) {
            throw new LongtuneException("shifted sparse attention (S²-Attn) needs the sequence length to be a "
                    + "multiple of the group size int(N·group_size_ratio): N=" + n + ", group_size_ratio=" + ratio
                    + " gives G=" + g + (g < 1 ? " (less than one token)" : ", and " + n + " % " + g + " = "
                    + (n % g)) + "; pad or cut the sequences to a multiple (e.g. data.max_length) or change the "
                    + "ratio");
        }
        return g;
    }

    /** The attention output {@code [B, nH, N, hd]} (before o_proj), attached to the manager of {@code q}. */
    NDArray attend(NDArray q, NDArray k, NDArray v, AttentionPattern.ShiftedSparse pattern) {
        long[] shape = q.getShape().getShape();
        int nH = (int) shape[1];
        int n = (int) shape[2];
        int g = groupSize(n, pattern.groupSizeRatio());
        int s = g / 2;
        int half = nH / 2;
        NDManager m = q.getManager();
        if (g == n) {
            // One group spans the whole sequence: there is no neighbouring group for the shifted half to connect
            // to, so nothing is shifted and S²-Attn is exactly causal attention (what LongLoRA uses at inference).
            // Rolling anyway, as the reference code would, makes the "shifted" heads see the future tail (roll
            // variant) or split the sequence in two (flash variant) — a degenerate case, not the method.
            return grouped ? inGroups(q, k, v, g, causal.window(m, 0, g)) : full(q, k, v, fullMask(m, n, g, 0, false));
        }
        NDArray plain = null;
        if (half > 0) {
            NDIndex lo = heads(0, half);
            NDArray ql = q.get(lo);
            NDArray kl = k.get(lo);
            NDArray vl = v.get(lo);
            plain = grouped
                    ? inGroups(ql, kl, vl, g, causal.window(m, 0, g))
                    : full(ql, kl, vl, fullMask(m, n, g, 0, false));
        }
        NDIndex hi = heads(half, nH);
        NDArray shifted;
        if (grouped) {
            NDArray mask = pattern.wrap() || s == 0 ? causal.window(m, 0, g) : flashGroupMask(m, n, g);
            shifted = roll(inGroups(roll(q.get(hi), s, n), roll(k.get(hi), s, n), roll(v.get(hi), s, n), g, mask),
                    n - s, n);
        } else {
            shifted = full(q.get(hi), k.get(hi), v.get(hi), fullMask(m, n, g, s, pattern.wrap()));
        }
        return plain == null ? shifted : plain.concat(shifted, 1);
    }

    private static NDIndex heads(int from, int to) {
        return new NDIndex().addAllDim().addSliceDim(from, to);
    }

    /** {@code x [B, h, N, hd]} rolled by {@code -shift} along the sequence: new index t holds old (t+shift) mod N. */
    private static NDArray roll(NDArray x, int shift, int n) {
        int r = shift % n;
        if (r == 0) {
            return x;
        }
        NDIndex tail = new NDIndex().addAllDim().addAllDim().addSliceDim(r, n);
        NDIndex head = new NDIndex().addAllDim().addAllDim().addSliceDim(0, r);
        return x.get(tail).concat(x.get(head), 2);
    }

    private NDArray inGroups(NDArray q, NDArray k, NDArray v, int g, NDArray mask) {
        long[] s = q.getShape().getShape();
        long b = s[0];
        long h = s[1];
        long n = s[2];
        long hd = s[3];
        Shape grouped = new Shape(b, h, n / g, g, hd);
        NDArray q5 = q.reshape(grouped);
        NDArray k5 = k.reshape(grouped);
        NDArray v5 = v.reshape(grouped);
        NDArray scores = q5.matMul(k5.transpose(0, 1, 2, 4, 3)).mul(scale).add(mask);
        return LlamaOps.softmax32(scores).matMul(v5).reshape(b, h, n, hd);
    }

    private NDArray full(NDArray q, NDArray k, NDArray v, NDArray mask) {
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(mask);
        return LlamaOps.softmax32(scores).matMul(v);
    }

    /**
     * The flash variant's mask for the rolled shifted half, {@code [N/G, G, G]}: causal in every group but the last,
     * which holds tail tokens at in-group indices {@code < G-s} and head tokens after them, two separate segments.
     */
    private NDArray flashGroupMask(NDManager m, int n, int g) {
        int groups = n / g;
        int s = g / 2;
        return cached(m, "flash-groups:" + n + ":" + g, new Shape(groups, g, g), allowed -> {
            for (int grp = 0; grp < groups; grp++) {
                boolean last = grp == groups - 1;
                for (int i = 0; i < g; i++) {
                    for (int j = 0; j <= i; j++) {
                        allowed[(grp * g + i) * g + j] = !last || (i < g - s) == (j < g - s);
                    }
                }
            }
        });
    }

    /**
     * Full {@code [N, N]} mask in original token order for heads shifted by {@code s} (0: the unshifted half): key j
     * is visible to query i iff both lie in the same group (roll variant: groups of the rolled index
     * {@code (p - s) mod N}; flash variant: segments {@code [0, s), [s, s+G), …}) and j is not after i in that group.
     */
    private NDArray fullMask(NDManager m, int n, int g, int s, boolean wrap) {
        return cached(m, "full:" + n + ":" + g + ":" + s + ":" + wrap, new Shape(n, n), allowed -> {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    boolean ok;
                    if (wrap || s == 0) {
                        int ri = Math.floorMod(i - s, n);
                        int rj = Math.floorMod(j - s, n);
                        ok = ri / g == rj / g && rj <= ri;
                    } else {
                        int si = i < s ? 0 : 1 + (i - s) / g;
                        int sj = j < s ? 0 : 1 + (j - s) / g;
                        ok = si == sj && j <= i;
                    }
                    allowed[i * n + j] = ok;
                }
            }
        });
    }

    private interface Fill {
        void fill(boolean[] allowed);
    }

    /**
     * A cached additive mask, owned by the buffer manager (ops put the scores first, so nothing attaches to it);
     * built torch-owned on first use. {@code m} is unused but keeps the call sites uniform.
     */
    private synchronized NDArray cached(NDManager m, String key, Shape shape, Fill fill) {
        NDArray mask = masks.get(key);
        if (mask == null) {
            boolean[] allowed = new boolean[Math.toIntExact(shape.size())];
            fill.fill(allowed);
            try (NDManager tmp = buffers.newSubManager()) {
                NDArray ok = tmp.create(allowed, shape);
                NDArray zero = tmp.zeros(shape, dtype);
                NDArray neg = tmp.full(shape, dtype == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE, dtype);
                mask = NDArrays.where(ok, zero, neg);
                mask.attach(buffers);
            }
            masks.put(key, mask);
            if (masks.size() > MAX_MASKS) {
                var eldest = masks.entrySet().iterator().next();
                eldest.getValue().close(); // additive masks are not saved for backward, so a pending graph is fine
                masks.remove(eldest.getKey());
            }
        }
        return mask;
    }
}
