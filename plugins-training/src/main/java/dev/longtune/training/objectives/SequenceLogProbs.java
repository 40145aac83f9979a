package dev.longtune.training.objectives;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.longtune.api.nd.TokenLoss;

/**
 * Per-sequence log-probability of the completion tokens, the quantity every preference objective compares
 * (numerics spec D.7: {@code logp(y|x) = Σ_{t∈completion} log softmax(logits[t−1])[ids[t]]}).
 *
 * <p>Same conventions as {@link TokenLoss}: the model performs the shift (the logits at position t score the label
 * at t+1; labels are never pre-shifted), positions whose label is {@link TokenLoss#IGNORE} (prompt, padding) are
 * excluded, and the log-softmax is taken in float32 (or float64 when the logits already are float64). The result
 * stays on the autograd graph of the logits; no Java number is used as an operand.
 *
 * <p>DPO, KTO use {@link Result#sum()}; IPO, ORPO and SimPO use {@link Result#mean()} (spec G.7).
 */
public final class SequenceLogProbs {

    private static final NDIndex ALL_BUT_LAST = new NDIndex(":, :-1, :");
    private static final NDIndex ALL_BUT_FIRST = new NDIndex(":, 1:");

    private SequenceLogProbs() {}

    /**
     * Completion log-probs of each sequence of a batch.
     *
     * @param logits {@code [B, T, V]}, unshifted model output
     * @param labels {@code [B, T]} integer labels, {@link TokenLoss#IGNORE} outside the completion
     * @return per-sequence sum, mean and token counts; arrays are attached to the logits' manager
     */
    public static Result of(NDArray logits, NDArray labels) {
        if (logits.getShape().dimension() != 3 || labels.getShape().dimension() != 2
                || logits.getShape().get(0) != labels.getShape().get(0)
                || logits.getShape().get(1) != labels.getShape().get(1)) {
            throw new IllegalArgumentException("expected logits [B, T, V] and labels [B, T], got "
                    + logits.getShape() + " and " + labels.getShape());
        }
        DataType dtype = logits.getDataType() == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
        NDArray predicted = logits.get(ALL_BUT_LAST);
        NDArray targets = labels.get(ALL_BUT_FIRST);
        return unshifted(predicted.toType(dtype, false), targets);
    }

    /**
     * As {@link #of} but without the shift: {@code logits[b, t]} scores {@code labels[b, t]} (for callers that
     * already sliced the logits, e.g. to the completion span).
     */
    public static Result unshifted(NDArray logits, NDArray labels) {
        DataType dtype = logits.getDataType() == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
        NDArray mask = labels.neq(TokenLoss.IGNORE);
        NDArray safe = labels.mul(mask.toType(labels.getDataType(), false));
        NDArray logProbs = logits.toType(dtype, false).logSoftmax(-1);
        NDArray picked = logProbs.gather(safe.expandDims(-1), -1).squeeze(-1);
        NDArray maskF = mask.toType(dtype, false);
        NDArray sum = picked.mul(maskF).sum(new int[] {1});
        NDArray counts = maskF.sum(new int[] {1});
        long[] tokens = counts.toType(DataType.INT64, false).toLongArray();
        // A sequence without completion tokens has sum 0; divide it by 1 instead of 0 so its mean is 0, not NaN.
        NDArray mean = sum.div(counts.maximum(counts.onesLike()));
        return new Result(sum, mean, counts, tokens);
    }

    /**
     * Completion log-probs of a batch.
     *
     * @param sum {@code [B]} Σ of completion-token log-probs (differentiable)
     * @param mean {@code [B]} the same divided by the token count (differentiable; 0 for a sequence without
     *     completion tokens)
     * @param tokenCounts {@code [B]} the token counts as a float array of the sums' dtype (no gradient)
     * @param tokens the token counts as Java numbers
     */
    public record Result(NDArray sum, NDArray mean, NDArray tokenCounts, long[] tokens) {

        /** Number of sequences. */
        public int batchSize() {
            return tokens.length;
        }
    }
}
