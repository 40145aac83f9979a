package dev.longtune.api.nd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Causal-LM token loss, shared by every method and evaluator so they all count tokens the same way.
 *
 * <p>Follows Hugging Face's {@code ForCausalLMLoss}: logits at position t predict the label at t+1 (the shift is
 * done here; labels are never pre-shifted), labels equal to {@link #IGNORE} are skipped, and the logits are taken in
 * float32.
 */
public final class TokenLoss {

    /** Label value that is excluded from the loss (prompt tokens, padding). */
    public static final long IGNORE = -100L;

    private static final NDIndex ALL_BUT_LAST = new NDIndex(":, :-1, :");
    private static final NDIndex ALL_BUT_FIRST = new NDIndex(":, 1:");

    private TokenLoss() {}

    /**
     * Summed negative log-likelihood of the shifted labels.
     *
     * @param logits {@code [B, T, V]}
     * @param labels {@code [B, T]} int64, {@link #IGNORE} where no loss is taken
     * @return the sum (a differentiable scalar attached to the logits' manager) and the number of counted tokens
     */
    public static Sum shiftedNll(NDArray logits, NDArray labels) {
        NDArray predicted = logits.get(ALL_BUT_LAST);
        NDArray targets = labels.get(ALL_BUT_FIRST);
        return nll(predicted, targets);
    }

    /**
     * Summed negative log-likelihood without shifting: {@code logits[b, t]} scores {@code labels[b, t]}.
     */
    public static Sum nll(NDArray logits, NDArray labels) {
        NDArray mask = labels.neq(IGNORE);
        NDArray safe = labels.mul(mask.toType(labels.getDataType(), false));
        NDArray logProbs = logits.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).logSoftmax(-1);
        NDArray picked = logProbs.gather(safe.expandDims(-1), -1).squeeze(-1);
        NDArray masked = picked.mul(mask.toType(picked.getDataType(), false));
        NDArray sum = masked.sum().neg();
        long count = mask.sum().toType(ai.djl.ndarray.types.DataType.INT64, false).getLong();
        return new Sum(sum, count);
    }

    /**
     * A summed loss and the number of tokens it covers.
     *
     * @param sum scalar float32
     * @param tokens number of label positions counted
     */
    public record Sum(NDArray sum, long tokens) {

        /** Mean per token as a differentiable scalar (the sum itself when no token was counted). */
        public NDArray mean() {
            if (tokens == 0) {
                return sum;
            }
            // Divide by a torch-allocated scalar, not a Java number: DJL backs number operands with Java memory
            // that the GC may free before backward reads it (plugins-training's ScalarOperandTest).
            return sum.div(sum.getManager().full(new Shape(), (float) tokens, sum.getDataType()));
        }
    }
}
