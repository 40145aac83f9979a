package dev.longtune.models.llama;

/** Test-only access to package-private switches of {@link LlamaModel}, for benchmarks in other packages. */
public final class LlamaModelAccess {

    private LlamaModelAccess() {}

    /** Grouped (default) or full N x N block-mask S²-Attn. */
    public static void setGrouped(LlamaModel model, boolean grouped) {
        model.shiftedSparse().grouped = grouped;
    }

    /** The attention pattern a forward pass of {@code model} (a shared-decoder model) uses. */
    public static dev.longtune.api.AttentionPattern attention(dev.longtune.api.LanguageModel model, boolean training) {
        return ((LlamaModel) model).attention(training);
    }
}
