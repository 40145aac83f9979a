package dev.longtune.training.objectives;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.LanguageModel;
import java.util.Optional;

/**
 * The model's own training-loss term ({@link LanguageModel#auxiliaryLoss()}: for Mixtral,
 * {@code router_aux_loss_coef × load-balancing loss}) folded into a method's summed loss, as transformers'
 * {@code MixtralForCausalLM} does for SFT ({@code loss += router_aux_loss_coef * aux_loss}, when
 * {@code output_router_logits}) and TRL's preference trainers do ({@code losses + aux_loss_coef * aux_loss} per
 * pair, when the model's {@code output_router_logits}).
 *
 * <p>The loop divides a micro-batch's summed loss by its {@code lossTokens} (tokens for SFT, pairs for the preference
 * methods), so the term is added {@code weight = lossTokens} times: the reported and differentiated loss is then
 * {@code mean LM loss + aux}, HF's formula. With gradient accumulation each micro-batch's term is weighted by its
 * share of the step's tokens (HF weights micro-batches equally); with equal micro-batches the two agree.
 */
public final class AuxiliaryLoss {

    private AuxiliaryLoss() {}

    /**
     * The term of the forward pass just made, when it was a training forward and {@code enabled}; empty otherwise.
     * Read it right after the forward: the next training forward replaces it (an on-the-fly reference pass too), and
     * an evaluation forward leaves the previous training forward's term in place, so evaluation never adds it (as
     * eval loss it would be stale; HF's eval loss adds it, ours is the plain LM loss).
     */
    public static Optional<NDArray> ofLastForward(LanguageModel model, boolean training, boolean enabled) {
        if (!training || !enabled) {
            return Optional.empty();
        }
        return model.auxiliaryLoss();
    }

    /**
     * {@code sum + aux × weight}, the weight a torch-owned scalar in {@code step} (a Java number operand on the
     * autograd path would be backed by memory the GC may free before the backward pass).
     */
    public static NDArray addWeighted(NDArray sum, NDArray aux, long weight, NDManager step) {
        NDArray a = aux.getDataType() == sum.getDataType() ? aux : aux.toType(sum.getDataType(), false);
        return sum.add(a.mul(step.full(new Shape(), (float) weight, sum.getDataType())));
    }
}
