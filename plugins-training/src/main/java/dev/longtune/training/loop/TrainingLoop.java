package dev.longtune.training.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RunContext;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.training.optim.AdamW;
import dev.longtune.training.optim.GradientClipping;
import dev.longtune.training.optim.Gradients;
import dev.longtune.training.optim.LrSchedule;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The optimisation loop every built-in method shares: gradient accumulation, global-norm clipping, AdamW with a
 * warm-up schedule, progress, metrics and NaN detection. A method supplies what trains, its batches and its loss.
 *
 * <p><b>Memory.</b> Each optimiser step runs in its own sub-manager of the run's root manager: inputs, activations,
 * the loss, gradient handles and every temporary are freed when it closes, so native memory stays flat. Nothing is
 * ever created on the model's manager.
 *
 * <p><b>Loss normalisation.</b> A step's loss is the summed token NLL over all its micro-batches divided by the total
 * number of loss tokens in them (HF's {@code num_items_in_batch}); each micro-batch's backward pass is scaled by
 * that same total, so accumulating {@code k} micro-batches gives exactly the gradient of one batch {@code k} times
 * as large, however the tokens are spread over them.
 *
 * <p>Runs on the calling thread only: DJL allows one gradient collector at a time and grad mode is per thread.
 */
public final class TrainingLoop {

    private final TrainingConfig config;
    private final RunContext ctx;

    public TrainingLoop(TrainingConfig config, RunContext ctx) {
        this.config = config;
        this.ctx = ctx;
    }

    /** {@code max_steps} when set, otherwise {@code epochs * ceil(batchesPerEpoch / gradient_accumulation_steps)}. */
    public static long totalSteps(TrainingConfig config, int batchesPerEpoch) {
        if (config.maxSteps() > 0) {
            return config.maxSteps();
        }
        return config.epochs() * StepPlan.stepsPerEpoch(batchesPerEpoch, config.gradientAccumulationSteps());
    }

    /**
     * Trains {@code trainable} (which must already have {@code setRequiresGradient(true)}) in place.
     *
     * @param eval held-out micro-batches, scored before and after training (metric stream {@code eval}); may be empty
     * @return steps, tokens, the mean loss of the last logging window, wall time, and in {@code extra}:
     *     {@code eval_loss_initial} and {@code eval_loss} when there is held-out data, {@code grad_norm} (last step)
     */
    public <B extends MicroBatch> TrainingOutcome run(LanguageModel model, Map<String, NDArray> trainable,
            BatchSource<B> train, List<B> eval, LossFunction<B> loss) throws IOException {
        if (train.batchesPerEpoch() == 0) {
            throw new LongtuneException("no training examples are left to train on (all were skipped); check "
                    + "data.max_length and the dataset");
        }
        long total = totalSteps(config, train.batchesPerEpoch());
        LrSchedule schedule = LrSchedule.of(config, total);
        Map<String, Double> extra = new LinkedHashMap<>();
        if (!eval.isEmpty()) {
            double e = evaluate(model, eval, loss);
            extra.put("eval_loss_initial", e);
            ctx.metrics().record("eval", Map.of("step", 0L, "eval_loss", e));
        }
        zeroGradients(trainable); // gradients left over from anything earlier would leak into the first step

        StepPlan<B> plan = new StepPlan<>(train, config.gradientAccumulationSteps());
        long start = System.nanoTime();
        long tokens = 0;
        double windowLoss = 0;
        int windowSteps = 0;
        double lastWindowMean = Double.NaN;
        double gradNorm = Double.NaN;
        try (AdamW optimiser = new AdamW(trainable, config.adamBeta1(), config.adamBeta2(), config.adamEpsilon(),
                        config.weightDecay(), ctx.manager());
                RunContext.Progress progress = ctx.progress("train", total, "step")) {
            for (long s = 0; s < total; s++) {
                List<B> group = plan.next();
                double lr = schedule.lr(s);
                double stepLoss;
                try (NDManager step = ctx.manager().newSubManager()) {
                    stepLoss = forwardBackward(model, group, loss, step, s + 1);
                    List<NDArray> grads = Gradients.take(trainable, step);
                    gradNorm = GradientClipping.globalNorm(grads);
                    if (!Double.isFinite(gradNorm)) {
                        throw new LongtuneException("training stopped at step " + (s + 1) + ": the gradient norm is "
                                + gradNorm + " (non-finite in " + nonFinite(trainable, grads) + ") on records "
                                + where(group) + ". Lower training.learning_rate or check those records.");
                    }
                    GradientClipping.scale(grads, config.maxGradNorm(), gradNorm);
                    optimiser.step(grads, lr);
                    Gradients.zero(grads);
                }
                for (B b : group) {
                    tokens += b.inputTokens();
                }
                windowLoss += stepLoss;
                windowSteps++;
                double elapsed = (System.nanoTime() - start) / 1e9;
                double tokPerS = tokens / Math.max(elapsed, 1e-9);
                progress.advance(1, Map.of("loss", String.format("%.4f", stepLoss), "lr", String.format("%.2e", lr),
                        "tok/s", String.format("%.0f", tokPerS)));
                boolean last = s + 1 == total;
                if ((s + 1) % Math.max(1, config.logEvery()) == 0 || last) {
                    lastWindowMean = windowLoss / windowSteps;
                    ctx.metrics().record("train", Map.of("step", s + 1, "loss", lastWindowMean, "lr", lr,
                            "grad_norm", gradNorm, "tokens", tokens, "tokens_per_s", tokPerS, "elapsed_s", elapsed));
                    windowLoss = 0;
                    windowSteps = 0;
                }
                if (config.saveEvery() > 0 && (s + 1) % config.saveEvery() == 0 && !last) {
                    // Weights only; the optimiser state (AdamW#exportState) is not written yet, so this is a
                    // snapshot to keep, not a point to resume from.
                    model.save(ctx.outputDir().resolve("checkpoints").resolve("step-" + (s + 1)));
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        extra.put("grad_norm", gradNorm);
        if (!eval.isEmpty()) {
            double e = evaluate(model, eval, loss);
            extra.put("eval_loss", e);
            ctx.metrics().record("eval", Map.of("step", total, "eval_loss", e));
        }
        return new TrainingOutcome(total, tokens, lastWindowMean, seconds, extra);
    }

    /**
     * Forward and backward passes over the micro-batches of one optimiser step, each micro-batch's summed loss
     * divided by the total loss tokens of the group. Gradients accumulate in the parameters' {@code .grad}; the
     * caller zeroes them after the update. Each micro-batch's loss value is read once (one sync).
     *
     * @param stepNumber 1-based, for messages
     * @return the step's loss: summed NLL over the group / total loss tokens
     * @throws LongtuneException when a micro-batch's loss is NaN or infinite, naming the step and the records
     */
    public <B extends MicroBatch> double forwardBackward(LanguageModel model, List<B> group, LossFunction<B> loss,
            NDManager step, long stepNumber) {
        long totalTokens = 0;
        for (B b : group) {
            totalTokens += b.lossTokens();
        }
        float norm = (float) Math.max(1, totalTokens);
        // The divisor is a torch-owned tensor kept in the step's manager until the step closes, never div(Number):
        // DJL makes a Number operand into a tensor that aliases a Java direct buffer and closes it right after the
        // op, but autograd keeps that tensor for the backward pass (d(a/b)/da = 1/b), and once the GC frees the
        // buffer the gradient is computed from garbage (seen as random huge or infinite gradient norms).
        NDArray divisor = step.full(new Shape(), norm, DataType.FLOAT32);
        double sum = 0;
        for (B b : group) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                TokenLoss.Sum part = loss.compute(model, b, step, true);
                if (part.tokens() != b.lossTokens()) {
                    throw new IllegalStateException("loss counted " + part.tokens() + " tokens but the batch says "
                            + b.lossTokens() + " (records " + where(List.of(b)) + ")");
                }
                float value = part.sum().getFloat();
                if (!Float.isFinite(value)) {
                    throw new LongtuneException("training stopped at step " + stepNumber + ": the loss is " + value
                            + " on a micro-batch of records " + where(List.of(b)) + ". Lower "
                            + "training.learning_rate or check those records.");
                }
                sum += value;
                collector.backward(part.sum().div(divisor));
            }
        }
        return sum / norm;
    }

    /**
     * Mean token loss over {@code batches} (summed NLL / total loss tokens) without gradients, each batch in its own
     * sub-manager.
     */
    public <B extends MicroBatch> double evaluate(LanguageModel model, List<B> batches, LossFunction<B> loss) {
        double sum = 0;
        long tokens = 0;
        for (B b : batches) {
            try (NDManager m = ctx.manager().newSubManager()) {
                TokenLoss.Sum part = loss.compute(model, b, m, false);
                sum += part.sum().getFloat();
                tokens += part.tokens();
            }
        }
        return tokens == 0 ? Double.NaN : sum / tokens;
    }

    private void zeroGradients(Map<String, NDArray> trainable) {
        try (NDManager m = ctx.manager().newSubManager()) {
            Gradients.zero(Gradients.take(trainable, m));
        }
    }

    /** Names of the parameters whose gradient norm is not finite (only computed when a step fails). */
    private static String nonFinite(Map<String, NDArray> trainable, List<NDArray> grads) {
        List<String> names = new java.util.ArrayList<>();
        int i = 0;
        for (String name : trainable.keySet()) {
            NDArray g = grads.get(i++);
            if (g != null && !Double.isFinite(GradientClipping.globalNorm(List.of(g)))) {
                names.add(name);
            }
        }
        return String.join(", ", names);
    }

    private static String where(List<? extends MicroBatch> group) {
        return group.stream()
                .flatMap(b -> b.sources().stream())
                .map(DataRecord::where)
                .collect(Collectors.joining(", "));
    }
}
