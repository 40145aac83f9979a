package dev.longtune.training.objectives;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.nd.TokenLoss;
import java.util.Locale;

/**
 * Preference-optimisation losses as differentiable functions of sequence log-probabilities (numerics spec D.7–D.10,
 * TRL's {@code dpo_trainer}, {@code experimental/orpo}, {@code experimental/cpo} with {@code loss_type="simpo"} and
 * {@code kto_trainer}).
 *
 * <p>Inputs are {@code [B]} arrays, normally {@link SequenceLogProbs.Result#sum()} (DPO sigmoid/robust/hinge, KTO)
 * or {@link SequenceLogProbs.Result#mean()} (IPO, ORPO, SimPO; spec G.7). Reference log-probs must come from a
 * frozen model (computed without a gradient collector, or {@code stopGradient}ed). Every constant enters as a
 * torch-owned 0-d tensor of the inputs' dtype, never as a Java number, so nothing on the autograd path aliases
 * Java memory the GC may free before {@code backward} (plugins-training's {@code ScalarOperandTest}). Results attach
 * to the manager of the first policy input. Work in float32 or float64.
 *
 * <p>The batch loss is the mean over examples (pairs for DPO/ORPO/SimPO); rewards are detached and meant for
 * logging only.
 */
public final class PreferenceLosses {

    /** TRL's default β for DPO, KTO, SimPO ({@code CPOConfig}) and ORPO's λ. */
    public static final double DEFAULT_BETA = 0.1;
    /** TRL {@code CPOConfig.simpo_gamma}. */
    public static final double DEFAULT_SIMPO_GAMMA = 0.5;
    /** TRL {@code CPOConfig.cpo_alpha}: SimPO in TRL adds the chosen NLL unless this is 0 (spec G.8). */
    public static final double DEFAULT_CPO_ALPHA = 1.0;

    private static final double LN2 = Math.log(2);

    private PreferenceLosses() {}

    /** The DPO-family losses of spec D.7. */
    public enum DpoLoss {
        /** TRL HEAD {@code "sigmoid"}: {@code −logσ(βΔ)}; label smoothing must be 0. */
        SIGMOID,
        /**
         * Conservative DPO (TRL v0.19 {@code "sigmoid"} with {@code label_smoothing} ε, and CPO):
         * {@code −(1−ε)·logσ(βΔ) − ε·logσ(−βΔ)}.
         */
        CDPO,
        /** {@code (−(1−ε)·logσ(βΔ) + ε·logσ(−βΔ))/(1−2ε)}; needs ε &lt; 0.5. */
        ROBUST,
        /** {@code relu(1 − βΔ)}. */
        HINGE,
        /** {@code (Δ − 1/(2β))²} with per-token <b>averaged</b> log-probs as inputs. */
        IPO;

        /** Whether the inputs must be per-token averages ({@link SequenceLogProbs.Result#mean()}) not sums. */
        public boolean usesAverageLogProbs() {
            return this == IPO;
        }

        /** Parses TRL's {@code loss_type} names, plus {@code cdpo} (alias {@code sigmoid_smoothed}). */
        public static DpoLoss parse(String name) {
            switch (name.toLowerCase(Locale.ROOT)) {
                case "sigmoid":
                    return SIGMOID;
                case "cdpo":
                case "sigmoid_smoothed":
                    return CDPO;
                case "robust":
                    return ROBUST;
                case "hinge":
                    return HINGE;
                case "ipo":
                    return IPO;
                default:
                    throw new IllegalArgumentException("unknown DPO loss type '" + name
                            + "'; valid: sigmoid, cdpo, robust, hinge, ipo");
            }
        }
    }

    /**
     * A preference loss.
     *
     * @param loss scalar batch mean, differentiable
     * @param losses {@code [B]} per-example losses, differentiable
     * @param chosenRewards {@code [B]} detached (β·(π−ref) for DPO/KTO, β·logp for ORPO/SimPO)
     * @param rejectedRewards {@code [B]} detached
     */
    public record Output(NDArray loss, NDArray losses, NDArray chosenRewards, NDArray rejectedRewards) {}

    /**
     * An ORPO loss and its pieces (spec D.8).
     *
     * @param loss scalar {@code nll − λ·mean(logσ(logOdds))}, differentiable
     * @param nll the chosen NLL as passed in
     * @param orLoss scalar {@code −λ·mean(logσ(logOdds))}, differentiable
     * @param logOdds {@code [B]} differentiable
     * @param logSigmoidOdds {@code [B]} {@code logσ(logOdds)} (TRL's {@code log_odds_ratio}), differentiable
     * @param chosenRewards {@code [B]} λ·lc, detached
     * @param rejectedRewards {@code [B]} λ·lr, detached
     */
    public record OrpoOutput(
            NDArray loss,
            NDArray nll,
            NDArray orLoss,
            NDArray logOdds,
            NDArray logSigmoidOdds,
            NDArray chosenRewards,
            NDArray rejectedRewards) {}

    // ------------------------------------------------------------------------------------------------ DPO family

    /**
     * A DPO-family loss with {@code Δ = (πc − refc) − (πr − refr)}.
     *
     * @param type the loss
     * @param policyChosen {@code [B]} policy log-probs of the chosen completions (sums; averages for IPO)
     * @param policyRejected {@code [B]} policy log-probs of the rejected completions
     * @param referenceChosen {@code [B]} reference-model log-probs, no gradient
     * @param referenceRejected {@code [B]}
     * @param beta β &gt; 0
     * @param labelSmoothing ε in [0, 0.5) for {@link DpoLoss#CDPO} and {@link DpoLoss#ROBUST}; must be 0 otherwise
     */
    public static Output dpo(
            DpoLoss type,
            NDArray policyChosen,
            NDArray policyRejected,
            NDArray referenceChosen,
            NDArray referenceRejected,
            double beta,
            double labelSmoothing) {
        requirePositive("beta", beta);
        if (labelSmoothing < 0 || labelSmoothing >= 0.5) {
            throw new IllegalArgumentException("label smoothing must be in [0, 0.5), got " + labelSmoothing);
        }
        if (labelSmoothing != 0 && type != DpoLoss.CDPO && type != DpoLoss.ROBUST) {
            throw new IllegalArgumentException("label smoothing applies to cdpo and robust only, not " + type
                    + " (TRL HEAD's sigmoid ignores it; spec G.7)");
        }
        NDArray chosenRatio = policyChosen.sub(referenceChosen);
        NDArray rejectedRatio = policyRejected.sub(referenceRejected);
        NDArray delta = chosenRatio.sub(rejectedRatio);
        NDArray b = scalar(delta, beta);
        NDArray losses;
        switch (type) {
            case SIGMOID:
                losses = logSigmoid(delta.mul(b)).neg();
                break;
            case CDPO: {
                NDArray z = delta.mul(b);
                losses = logSigmoid(z).mul(scalar(z, -(1 - labelSmoothing)))
                        .sub(logSigmoid(z.neg()).mul(scalar(z, labelSmoothing)));
                break;
            }
            case ROBUST: {
                NDArray z = delta.mul(b);
                losses = logSigmoid(z).mul(scalar(z, -(1 - labelSmoothing)))
                        .add(logSigmoid(z.neg()).mul(scalar(z, labelSmoothing)))
                        .div(scalar(z, 1 - 2 * labelSmoothing));
                break;
            }
            case HINGE:
                losses = scalar(delta, 1).sub(delta.mul(b)).getNDArrayInternal().relu();
                break;
            case IPO:
                losses = delta.sub(scalar(delta, 1 / (2 * beta))).square();
                break;
            default:
                throw new AssertionError(type);
        }
        return new Output(losses.mean(), losses, rewards(chosenRatio, beta), rewards(rejectedRatio, beta));
    }

    /** Spec D.7 {@code "sigmoid"} (TRL HEAD): {@code mean(−logσ(βΔ))}. */
    public static Output dpoSigmoid(
            NDArray policyChosen, NDArray policyRejected, NDArray referenceChosen, NDArray referenceRejected,
            double beta) {
        return dpo(DpoLoss.SIGMOID, policyChosen, policyRejected, referenceChosen, referenceRejected, beta, 0);
    }

    // ------------------------------------------------------------------------------------------------ ORPO

    /**
     * ORPO (spec D.8): {@code logOdds = (lc − lr) − (log1mexp(lc) − log1mexp(lr))},
     * {@code loss = nll − λ·mean(logσ(logOdds))}.
     *
     * @param chosenMean {@code [B]} per-token <b>average</b> completion log-probs of the chosen responses (&lt; 0)
     * @param rejectedMean {@code [B]} the same for the rejected responses
     * @param chosenNll scalar mean cross-entropy over the <b>whole chosen prompt+response</b> (labels = input ids
     *     wherever the attention mask is 1; the prompt is not masked; spec G.8): {@link #orpoNll}
     * @param lambda λ (TRL's {@code beta}, default 0.1)
     */
    public static OrpoOutput orpo(NDArray chosenMean, NDArray rejectedMean, NDArray chosenNll, double lambda) {
        requirePositive("lambda", lambda);
        NDArray logOdds = chosenMean.sub(rejectedMean).sub(log1mexp(chosenMean).sub(log1mexp(rejectedMean)));
        NDArray ratio = logSigmoid(logOdds);
        NDArray orLoss = ratio.mean().mul(scalar(ratio, -lambda));
        NDArray loss = chosenNll.add(orLoss);
        return new OrpoOutput(loss, chosenNll, orLoss, logOdds, ratio, rewards(chosenMean, lambda),
                rewards(rejectedMean, lambda));
    }

    /**
     * ORPO's NLL term (spec D.8, G.8): the mean cross-entropy over the <b>whole</b> chosen sequence, prompt included
     * — labels are the input ids wherever the attention mask is 1 (TRL's ORPO trainer), averaged over all counted
     * tokens of the batch, with the model's usual shift. Computed by {@link TokenLoss} (float32).
     *
     * @param logits {@code [B, T, V]} policy logits of the chosen sequences
     * @param inputIds {@code [B, T]} int64
     * @param attentionMask {@code [B, T]} 1 for real tokens, 0 for padding (any integer or boolean type)
     * @return a differentiable scalar attached to the logits' manager
     */
    public static NDArray orpoNll(NDArray logits, NDArray inputIds, NDArray attentionMask) {
        NDArray keep = attentionMask.toType(DataType.BOOLEAN, false);
        NDArray ignore = inputIds.getManager().full(inputIds.getShape(), (int) TokenLoss.IGNORE,
                inputIds.getDataType());
        NDArray labels = NDArrays.where(keep, inputIds, ignore);
        return TokenLoss.shiftedNll(logits, labels).mean();
    }

    /**
     * {@code log(1 − eˣ)} for x ≤ 0, computed stably by branching at −ln 2 (Mächler 2012): {@code log(−expm1(x))}
     * above, {@code log1p(−eˣ)} below. Each branch is fed an input clamped to its own side so the unused branch has
     * a finite gradient (a plain {@code where} would multiply its infinite derivative by 0 and return NaN).
     * {@code expm1(x)} is evaluated as {@code 2·sinh(x/2)·e^{x/2}}, which keeps full relative precision near 0.
     */
    public static NDArray log1mexp(NDArray x) {
        NDArray cut = scalar(x, -LN2);
        NDArray near = x.maximum(cut); // x in (−ln2, 0]
        NDArray far = x.minimum(cut); // x ≤ −ln2
        NDArray half = near.mul(scalar(near, 0.5));
        // log(−expm1(x)) = log(−2·sinh(x/2)) + x/2
        NDArray nearValue = half.sinh().mul(scalar(half, -2)).log().add(half);
        // log1p(−eˣ) as log(1 − eˣ) (DJL has no log1p): eˣ ≤ 1/2 here, so the absolute error stays below 1e-16 in
        // float64 (the relative error grows only where the value itself is below ~1e-8, i.e. averages under −18)
        NDArray farValue = scalar(far, 1).sub(far.exp()).log();
        return NDArrays.where(x.gt(cut), nearValue, farValue);
    }

    // ------------------------------------------------------------------------------------------------ SimPO

    /**
     * SimPO as TRL's CPO trainer computes it (spec D.9): with {@code h = β·((lc − lr) − γ/β)},
     * {@code losses = −(1−ε)·logσ(h) − ε·logσ(−h)} and {@code loss = mean(losses) + cpoAlpha·nll}.
     *
     * @param chosenMean {@code [B]} per-token average completion log-probs of the chosen responses
     * @param rejectedMean {@code [B]}
     * @param chosenNll scalar chosen NLL; TRL's CPO trainer takes it over the chosen <b>completion</b> tokens (its
     *     labels are −100 on the prompt). May be {@code null} when {@code cpoAlpha} is 0 (pure SimPO).
     * @param beta β (TRL default 0.1; the SimPO paper uses 2.0–2.5)
     * @param gamma γ, the target reward margin (TRL {@code simpo_gamma}, default 0.5)
     * @param labelSmoothing ε in [0, 0.5)
     * @param cpoAlpha weight of the NLL term (TRL default 1.0; 0 for pure SimPO)
     */
    public static Output simpo(
            NDArray chosenMean,
            NDArray rejectedMean,
            NDArray chosenNll,
            double beta,
            double gamma,
            double labelSmoothing,
            double cpoAlpha) {
        requirePositive("beta", beta);
        if (labelSmoothing < 0 || labelSmoothing >= 0.5) {
            throw new IllegalArgumentException("label smoothing must be in [0, 0.5), got " + labelSmoothing);
        }
        if (cpoAlpha != 0 && chosenNll == null) {
            throw new IllegalArgumentException("cpoAlpha = " + cpoAlpha + " needs the chosen NLL; pass it, or set "
                    + "cpoAlpha to 0 for pure SimPO");
        }
        NDArray h = chosenMean.sub(rejectedMean).sub(scalar(chosenMean, gamma / beta)).mul(scalar(chosenMean, beta));
        NDArray losses = logSigmoid(h).mul(scalar(h, -(1 - labelSmoothing)));
        if (labelSmoothing != 0) {
            losses = losses.sub(logSigmoid(h.neg()).mul(scalar(h, labelSmoothing)));
        }
        NDArray loss = losses.mean();
        if (cpoAlpha != 0) {
            loss = loss.add(chosenNll.mul(scalar(chosenNll, cpoAlpha)));
        }
        return new Output(loss, losses, rewards(chosenMean, beta), rewards(rejectedMean, beta));
    }

    // ------------------------------------------------------------------------------------------------ KTO

    /**
     * KTO's reference point {@code z = max(0, mean(π_KL − ref_KL))}, detached (spec D.10). The KL log-probs are the
     * summed completion log-probs of mismatched pairs: completions rotated by one within the batch ({@code [last] +
     * [:-1]}; see {@link #rotateByOne}). Averaging across processes is the caller's business.
     *
     * @param policyKl {@code [B]} policy log-probs of the mismatched completions
     * @param referenceKl {@code [B]} reference log-probs of the same
     * @return a detached 0-d array
     */
    public static NDArray ktoReferencePoint(NDArray policyKl, NDArray referenceKl) {
        NDArray mean = policyKl.sub(referenceKl).mean().stopGradient();
        return mean.maximum(scalar(mean, 0));
    }

    /**
     * The KL-pair permutation of TRL's KTO: index {@code i} of the result is the completion of example
     * {@code i−1} (with wrap-around), i.e. {@code [last] + [:-1]}. Needs at least 2 examples.
     */
    public static int[] rotateByOne(int batchSize) {
        if (batchSize < 2) {
            throw new IllegalArgumentException("KTO needs a per-device batch size > 1 to build mismatched KL pairs, "
                    + "got " + batchSize);
        }
        int[] order = new int[batchSize];
        order[0] = batchSize - 1;
        for (int i = 1; i < batchSize; i++) {
            order[i] = i - 1;
        }
        return order;
    }

    /**
     * KTO (spec D.10): desirable losses {@code 1 − σ(β(logratio − z))}, undesirable {@code 1 − σ(β(z − logratio))},
     * each weighted, concatenated [desirable; undesirable] and averaged ignoring NaNs (TRL's {@code nanmean}).
     *
     * <p>Either side may be {@code null} or empty when the batch has no example of that kind. With both empty the
     * loss is a 0 on {@code z}'s manager.
     *
     * @param policyChosen {@code [Bd]} summed completion log-probs of the desirable examples, or null
     * @param referenceChosen {@code [Bd]} or null
     * @param policyRejected {@code [Bu]} of the undesirable examples, or null
     * @param referenceRejected {@code [Bu]} or null
     * @param z reference point from {@link #ktoReferencePoint} (0-d, detached)
     * @param beta β (default 0.1)
     * @param desirableWeight TRL {@code desirable_weight} (default 1)
     * @param undesirableWeight TRL {@code undesirable_weight} (default 1)
     * @return losses {@code [Bd + Bu]}; chosen rewards {@code [Bd]} and rejected rewards {@code [Bu]} (null for a
     *     missing side)
     */
    public static Output kto(
            NDArray policyChosen,
            NDArray referenceChosen,
            NDArray policyRejected,
            NDArray referenceRejected,
            NDArray z,
            double beta,
            double desirableWeight,
            double undesirableWeight) {
        requirePositive("beta", beta);
        NDArray zd = z.stopGradient();
        NDArray chosenLosses = null;
        NDArray chosenRewards = null;
        if (present(policyChosen)) {
            NDArray ratio = policyChosen.sub(referenceChosen);
            NDArray p = ratio.sub(zd).mul(scalar(ratio, beta)).getNDArrayInternal().sigmoid();
            chosenLosses = scalar(p, 1).sub(p).mul(scalar(p, desirableWeight));
            chosenRewards = rewards(ratio, beta);
        }
        NDArray rejectedLosses = null;
        NDArray rejectedRewards = null;
        if (present(policyRejected)) {
            NDArray ratio = policyRejected.sub(referenceRejected);
            NDArray p = ratio.neg().add(zd).mul(scalar(ratio, beta)).getNDArrayInternal().sigmoid();
            rejectedLosses = scalar(p, 1).sub(p).mul(scalar(p, undesirableWeight));
            rejectedRewards = rewards(ratio, beta);
        }
        NDArray losses;
        if (chosenLosses != null && rejectedLosses != null) {
            losses = chosenLosses.concat(rejectedLosses, 0);
        } else if (chosenLosses != null) {
            losses = chosenLosses;
        } else if (rejectedLosses != null) {
            losses = rejectedLosses;
        } else {
            NDArray zero = scalar(zd, 0);
            return new Output(zero, zd.getManager().zeros(new Shape(0), zd.getDataType()), null, null);
        }
        return new Output(nanMean(losses), losses, chosenRewards, rejectedRewards);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** {@code logσ(x) = −softplus(−x)}, stable for large |x|. */
    public static NDArray logSigmoid(NDArray x) {
        return x.neg().getNDArrayInternal().softPlus().neg();
    }

    /** Mean over the non-NaN elements (TRL's {@code nanmean}); NaN when all are NaN. */
    static NDArray nanMean(NDArray x) {
        NDArray valid = x.isNaN().logicalNot();
        NDArray zeros = x.zerosLike();
        NDArray sum = NDArrays.where(valid, x, zeros).sum();
        return sum.div(valid.toType(x.getDataType(), false).sum());
    }

    /**
     * A torch-owned 0-d tensor with {@code like}'s manager and dtype. {@code NDManager.full} takes a float, so a
     * float64 constant is built as float part + float residual to keep its double value.
     */
    static NDArray scalar(NDArray like, double value) {
        NDManager manager = like.getManager();
        NDArray head = manager.full(new Shape(), (float) value, like.getDataType());
        double residual = value - (float) value;
        if (like.getDataType() != DataType.FLOAT64 || residual == 0) {
            return head;
        }
        return head.add(manager.full(new Shape(), (float) residual, DataType.FLOAT64));
    }

    private static NDArray rewards(NDArray logRatio, double beta) {
        NDArray detached = logRatio.stopGradient();
        return detached.mul(scalar(detached, beta));
    }

    private static boolean present(NDArray a) {
        return a != null && a.size() > 0;
    }

    private static void requirePositive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be a positive number, got " + v);
        }
    }
}
