package dev.longtune.api;

/**
 * Which keys each query may attend to. A {@link ContextExtension} chooses the pattern (per training/inference); a
 * model architecture implements every kind listed here, or rejects the pairing in {@link ContextExtension#supports}.
 * New kinds are added as new records; architectures that do not know one must fail loudly, not fall back.
 */
public sealed interface AttentionPattern
        permits AttentionPattern.Causal, AttentionPattern.SlidingWindow, AttentionPattern.ShiftedSparse {

    /** Ordinary causal attention: query i sees keys 0..i. */
    AttentionPattern CAUSAL = new Causal();

    /** Ordinary causal attention. */
    record Causal() implements AttentionPattern {}

    /**
     * Mistral-style sliding window, Hugging Face's convention: query i sees keys j with {@code i - window < j <= i},
     * i.e. exactly {@code window} keys including itself (numerics spec A.3; the Mistral reference sees one more).
     * In generation the KV cache keeps only the last {@code window} positions, so memory is bounded by the window.
     */
    record SlidingWindow(int window) implements AttentionPattern {
        public SlidingWindow {
            if (window < 1) {
                throw new IllegalArgumentException("window must be at least 1, was " + window);
            }
        }
    }

    /**
     * LongLoRA's shifted sparse attention (S²-Attn, numerics spec C), used in training only: the sequence is cut into
     * groups of {@code groupSizeRatio * N} tokens attended causally within the group, and half of the heads are
     * shifted by half a group so information flows between groups.
     *
     * @param groupSizeRatio group size as a fraction of the sequence length (LongLoRA default 1/4)
     * @param wrap true for the reference's roll variant (the shifted half's last group wraps around to the
     *     sequence start); false for the flash-attention variant the paper trained with (half-size groups at both
     *     ends, no wrap-around)
     */
    record ShiftedSparse(double groupSizeRatio, boolean wrap) implements AttentionPattern {
        public ShiftedSparse {
            if (!(groupSizeRatio > 0 && groupSizeRatio <= 1)) {
                throw new IllegalArgumentException("groupSizeRatio must be in (0, 1], was " + groupSizeRatio);
            }
        }
    }
}
