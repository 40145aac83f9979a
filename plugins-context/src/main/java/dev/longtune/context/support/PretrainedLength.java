package dev.longtune.context.support;

/**
 * The two context lengths every RoPE strategy needs: the pretrained length L0 its formulas are relative to, and the
 * {@code max_position_embeddings} the extended model declares.
 */
public final class PretrainedLength {

    private PretrainedLength() {}

    /**
     * L0: {@code original_max_position_embeddings} from the options when given, else the checkpoint's own
     * {@code max_position_embeddings}. The options win because an exported checkpoint stores the extended length as
     * {@code max_position_embeddings} and the pretrained one in {@code rope_scaling}; reading the former would move
     * every L0-relative boundary on reload (numerics spec B.3 "which length is L0").
     */
    public static int of(Integer originalMaxPositionEmbeddings, int modelMaxPositions) {
        return originalMaxPositionEmbeddings != null ? originalMaxPositionEmbeddings : modelMaxPositions;
    }

    /**
     * {@code max(modelMax, round(L0 * factor))}: the factor names how many times L0 the model is meant to reach (the
     * Hugging Face meaning of {@code factor}), but a checkpoint that already declares more is never shrunk — Llama
     * 3.1 declares 131072 positions with L0 = 8192 and factor 8.
     */
    public static int extended(int modelMaxPositions, int pretrained, double factor) {
        long target = Math.round(pretrained * factor);
        return Math.toIntExact(Math.max(modelMaxPositions, target));
    }
}
