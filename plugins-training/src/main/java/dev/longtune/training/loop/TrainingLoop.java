package dev.longtune.training.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RunContext;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.training.checkpoint.CheckpointState;
import dev.longtune.training.checkpoint.Checkpoints;
import dev.longtune.training.checkpoint.TensorFile;
import dev.longtune.training.optim.AdamW;
import dev.longtune.training.optim.DynamicLossScaler;
import dev.longtune.training.optim.GradientClipping;
import dev.longtune.training.optim.Gradients;
import dev.longtune.training.optim.LrSchedule;
import dev.longtune.training.optim.MasterWeights;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optimisation loop every built-in method shares: gradient accumulation, global-norm clipping, AdamW with a
 * warm-up schedule, progress, metrics, NaN detection, and resumable checkpoints ({@link Checkpoints}). A method
 * supplies what trains, its batches and its loss.
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

    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final NDIndex ALL = new NDIndex("...");

    private final TrainingConfig config;
    private final RunContext ctx;
    /** Dynamic loss scaling, only when the model holds float16 weights; null otherwise. */
    private DynamicLossScaler scaler;
    private Supplier<DynamicLossScaler> scalerFactory = DynamicLossScaler::new;
    private Checkpoints.ExtraFiles checkpointFiles = Checkpoints.ExtraFiles.NONE;

    public TrainingLoop(TrainingConfig config, RunContext ctx) {
        this.config = config;
        this.ctx = ctx;
    }

    /**
     * The loss scaler a float16 run starts with (default: torch's GradScaler settings, 2^16, x2 every 2000 finite
     * steps, x0.5 on overflow). Ignored on a float32 model.
     */
    public TrainingLoop withLossScaler(Supplier<DynamicLossScaler> factory) {
        this.scalerFactory = factory;
        return this;
    }

    /**
     * Files every checkpoint folder also gets (the strategy's {@code Prepared::writeCheckpointFiles}: an adapter
     * strategy's PEFT {@code adapter_config.json}, so a checkpoint can be evaluated with {@code --checkpoint}).
     */
    public TrainingLoop withCheckpointFiles(Checkpoints.ExtraFiles files) {
        this.checkpointFiles = files;
        return this;
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
     * <p><b>Checkpoints and resuming.</b> With {@code save_every > 0} a resumable checkpoint is written atomically
     * to {@code <output>/checkpoints/step-N} every that many steps (not after the last one: the host exports the
     * end), keeping the newest {@code keep_checkpoints} (see {@link Checkpoints}). With
     * {@code resume_from_checkpoint} ({@code auto} or a folder) the run continues from one: trainable weights are
     * written back in place, the optimiser moments and step count, the schedule position, the data position (epoch
     * and micro-batch; the epoch's shuffle is seeded by (seed, epoch) so it replays), the token count, the metric
     * window and the loss history are restored, and metric rows after the checkpoint's step are dropped from
     * {@code metrics/train.jsonl} and {@code metrics/eval.jsonl} before new ones are appended, so the files read as
     * one run. Random generators hold no state across steps: before every step the engine's generator (torch's and
     * DJL's) is reseeded from (seed, step), so anything random in a step (dropout) replays too. A run killed at any
     * moment and resumed computes exactly the losses of an uninterrupted run (checked bit for bit by
     * {@code KillResumeTest}). A checkpoint written by a different configuration (seed, training settings other than
     * logging and checkpointing, trainable tensors, data) is refused, naming what differs.
     *
     * @param eval held-out micro-batches, scored before and after training (metric stream {@code eval}); may be empty
     * @return steps, tokens, the mean loss of the last logging window, wall time, and in {@code extra}:
     *     {@code eval_loss_initial} and {@code eval_loss} when there is held-out data, {@code grad_norm} (last step),
     *     {@code resumed_from_step} when the run continued from a checkpoint
     */
    public <B extends MicroBatch> TrainingOutcome run(LanguageModel model, Map<String, NDArray> trainable,
            BatchSource<B> train, List<B> eval, LossFunction<B> loss) throws IOException {
        return run(model, trainable, Map.of(), train, eval, loss);
    }

    /**
     * As {@link #run(LanguageModel, Map, BatchSource, List, LossFunction)}, with a learning-rate multiplier per
     * trainable name (absent: 1), as the strategy's {@code learningRateScale()} gives it (LoRA+).
     *
     * <p><b>Precision.</b> On a float32 model everything is float32. When the model holds float16 weights (fp16 on a
     * GPU, or {@code model.dtype: float16}) the run is mixed precision: the forward and backward passes compute in
     * float16, the loss is multiplied by a dynamic scale ({@link DynamicLossScaler}) so small gradients do not flush
     * to zero, the gradients are widened to float32 and unscaled, a step whose gradients hold an inf or NaN is
     * skipped (the scale halves), and AdamW updates float32 master weights ({@link MasterWeights}) that are rounded
     * back into the float16 model after every step. Checkpoints hold the masters and the scaler's state.
     */
    public <B extends MicroBatch> TrainingOutcome run(LanguageModel model, Map<String, NDArray> trainable,
            Map<String, Double> learningRateScales, BatchSource<B> train, List<B> eval, LossFunction<B> loss)
            throws IOException {
        try (MasterWeights masters = new MasterWeights(trainable, ctx.manager())) {
            return run(model, trainable, masters, learningRateScales, train, eval, loss);
        }
    }

    private <B extends MicroBatch> TrainingOutcome run(LanguageModel model, Map<String, NDArray> trainable,
            MasterWeights masters, Map<String, Double> learningRateScales, BatchSource<B> train, List<B> eval,
            LossFunction<B> loss) throws IOException {
        if (train.batchesPerEpoch() == 0) {
            throw new LongtuneException("no training examples are left to train on (all were skipped); check "
                    + "data.max_length and the dataset");
        }
        long total = totalSteps(config, train.batchesPerEpoch());
        LrSchedule schedule = LrSchedule.of(config, total);
        // A float16 model (DJL has no autocast/GradScaler): dynamic loss scaling so small gradients flowing back
        // through fp16 activations do not underflow; AdamW works on float32 masters (see MasterWeights).
        scaler = model.parameters().values().stream().anyMatch(p -> p.getDataType() == DataType.FLOAT16)
                ? scalerFactory.get() : null;
        Map<String, Double> extra = new LinkedHashMap<>();

        Checkpoints checkpoints = Checkpoints.of(ctx.outputDir());
        boolean checkpointing = config.saveEvery() > 0 || config.resumeFromCheckpoint() != null;
        Map<String, String> fingerprint = null;
        Checkpoints.Loaded resumed = null;
        if (checkpointing) {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            trainable.forEach((n, p) -> shapes.put(n, p.getShape().getShape()));
            fingerprint = Checkpoints.fingerprint(config, ctx.seed(), total, shapes, dataDigest(train));
            if (scaler != null) { // only then, so float32 checkpoints made before this key existed still match
                fingerprint.put("precision", "fp16 with dynamic loss scaling, float32 masters");
            }
            Optional<Path> from = Checkpoints.resolve(config.resumeFromCheckpoint(), ctx.outputDir());
            if (from.isPresent()) {
                Path folder = from.get();
                Checkpoints.verify(folder, Checkpoints.readState(folder), fingerprint); // before reading tensors
                resumed = Checkpoints.load(folder);
                restoreWeights(folder, masters.masters(), resumed.trainable());
                masters.copyToModel(); // float16 model: the masters rounded, exactly as after the saved step
                if (scaler != null) {
                    CheckpointState st = resumed.state();
                    if (st.lossScale() == null) {
                        throw new LongtuneException("checkpoint " + folder + " holds no loss-scaler state, which a "
                                + "float16 run needs to continue; resume it with the float32 model it was made with");
                    }
                    scaler.restore(new DynamicLossScaler.State(st.lossScale(), st.lossScaleGrowthTracker(),
                            st.lossScaleSkipped()));
                }
                long at = resumed.state().step();
                dropMetricsAfter(at);
                // Later checkpoints in this run's folder belong to the abandoned continuation: remove them so that
                // `auto` and pruning never take them for the newest.
                checkpoints.discardAfter(at);
                LOG.info("Resuming from checkpoint {} (step {} of {})", folder, at, total);
                ctx.metrics().record("checkpoints", Map.of("event", "resumed", "step", at, "path",
                        folder.toString()));
                extra.put("resumed_from_step", (double) at);
            } else if (config.resumeFromCheckpoint() != null) {
                LOG.info("resume_from_checkpoint: auto, but {} holds no complete checkpoint; starting fresh",
                        checkpoints.dir());
                ctx.metrics().record("checkpoints", Map.of("event", "fresh_start", "step", 0L, "reason",
                        "no complete checkpoint in " + checkpoints.dir()));
            }
            checkpoints.removeLeftovers();
        }
        CheckpointState from = resumed == null ? null : resumed.state();

        if (!eval.isEmpty()) {
            if (from == null) {
                double e = evaluate(model, eval, loss);
                extra.put("eval_loss_initial", e);
                ctx.metrics().record("eval", Map.of("step", 0L, "eval_loss", e));
            } else if (from.evalLossInitial() != null) {
                extra.put("eval_loss_initial", from.evalLossInitial()); // the model has moved on: reuse the first
            }
        }
        zeroGradients(trainable); // gradients left over from anything earlier would leak into the first step

        StepPlan<B> plan = new StepPlan<>(train, config.gradientAccumulationSteps());
        long first = 0;
        long tokens = 0;
        double windowLoss = 0;
        int windowSteps = 0;
        double gradNorm = Double.NaN;
        double elapsedBefore = 0;
        List<Double> losses = new ArrayList<>();
        Path lastGood = null;
        if (from != null) {
            plan.seek(from.epoch(), from.batchIndex());
            first = from.step();
            tokens = from.tokens();
            windowLoss = from.windowLoss();
            windowSteps = from.windowSteps();
            gradNorm = from.gradNorm();
            elapsedBefore = from.elapsedSeconds();
            losses.addAll(from.losses());
            lastGood = resumed.folder();
        }
        double lastWindowMean = Double.NaN;
        long start = System.nanoTime();
        try (AdamW optimiser = new AdamW(masters.masters(), config.adamBeta1(), config.adamBeta2(),
                        config.adamEpsilon(), config.weightDecay(), ctx.manager(), learningRateScales);
                RunContext.Progress progress = ctx.progress("train", total, "step")) {
            if (resumed != null) {
                optimiser.importState(resumed.optimiser());
                resumed = null; // let the arrays go
                if (first > 0) {
                    progress.advance(first, Map.of("resumed", "step " + first));
                }
            }
            for (long s = first; s < total; s++) {
                List<B> group = plan.next();
                double lr = schedule.lr(s);
                Engine.getInstance().setRandomSeed(stepSeed(ctx.seed(), s));
                double stepLoss;
                try (NDManager step = ctx.manager().newSubManager()) {
                    try {
                        stepLoss = forwardBackward(model, group, loss, step, s + 1);
                    } catch (LongtuneException e) {
                        throw new LongtuneException(e.getMessage() + " " + lastGood(lastGood), e);
                    }
                    List<NDArray> grads = Gradients.take(trainable, step);
                    List<NDArray> grads32 = masters.float32(grads, step); // the same handles on a float32 model
                    // fp16: unscale (in float32) before clipping; an inf/nan gradient skips the step and halves the
                    // scale.
                    double scaleBefore = scaler == null ? 1 : scaler.scale();
                    boolean overflow = scaler != null && !scaler.update(scaler.unscale(grads32));
                    if (overflow) {
                        ctx.metrics().record("loss_scale", Map.of("step", s + 1, "event", "skipped_step",
                                "scale", scaler.scale(), "skipped", scaler.skipped()));
                    } else {
                        if (scaler != null && scaler.scale() != scaleBefore) {
                            ctx.metrics().record("loss_scale", Map.of("step", s + 1, "event", "grew",
                                    "scale", scaler.scale(), "skipped", scaler.skipped()));
                        }
                        gradNorm = GradientClipping.globalNorm(grads32);
                        if (!Double.isFinite(gradNorm)) {
                            throw new LongtuneException("training stopped at step " + (s + 1) + ": the gradient "
                                    + "norm is " + gradNorm + " (non-finite in " + nonFinite(trainable, grads32)
                                    + ") on records "
                                    + where(group) + ". Lower training.learning_rate or check those records. "
                                    + lastGood(lastGood));
                        }
                        GradientClipping.scale(grads32, config.maxGradNorm(), gradNorm);
                        optimiser.step(grads32, lr);
                        masters.copyToModel();
                    }
                    Gradients.zero(grads);
                }
                for (B b : group) {
                    tokens += b.inputTokens();
                }
                losses.add(stepLoss);
                windowLoss += stepLoss;
                windowSteps++;
                double elapsed = elapsedBefore + (System.nanoTime() - start) / 1e9;
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
                    CheckpointState state = new CheckpointState(Checkpoints.FORMAT, s + 1, total,
                            optimiser.stepCount(), plan.epoch(), plan.position(), train.batchesPerEpoch(),
                            ctx.seed(), RNG_SCHEME, tokens, elapsed, windowLoss, windowSteps, gradNorm,
                            List.copyOf(losses), extra.get("eval_loss_initial"), Checkpoints.hash(fingerprint),
                            fingerprint, Instant.now().toString(),
                            scaler == null ? null : scaler.scale(),
                            scaler == null ? null : scaler.state().growthTracker(),
                            scaler == null ? null : scaler.skipped());
                    lastGood = checkpoints.save(state, masters.masters(), optimiser.exportState(), checkpointFiles);
                    checkpoints.prune(config.keepCheckpoints());
                    ctx.metrics().record("checkpoints", Map.of("event", "saved", "step", s + 1, "path",
                            lastGood.toString()));
                }
            }
        }
        double seconds = elapsedBefore + (System.nanoTime() - start) / 1e9;
        extra.put("grad_norm", gradNorm);
        if (scaler != null) {
            extra.put("loss_scale", scaler.scale());
            extra.put("fp16_skipped_steps", (double) scaler.skipped());
        }
        if (!eval.isEmpty()) {
            double e = evaluate(model, eval, loss);
            extra.put("eval_loss", e);
            ctx.metrics().record("eval", Map.of("step", total, "eval_loss", e));
        }
        if (Double.isNaN(lastWindowMean) && !losses.isEmpty()) {
            lastWindowMean = losses.get(losses.size() - 1); // resumed at the very end: nothing left to run
        }
        return new TrainingOutcome(total, tokens, lastWindowMean, seconds, extra);
    }

    /** How {@link CheckpointState#rngScheme()} describes the generators. */
    static final String RNG_SCHEME = "data shuffle per epoch: java.util.Random(seed * 1000003 + epoch); engine "
            + "generator (torch + DJL) reseeded before every step with TrainingLoop.stepSeed(seed, step)";

    /** The engine seed used before optimiser step {@code s} (0-based): a 64-bit mix of (seed, s), folded to int. */
    static int stepSeed(long seed, long s) {
        long z = seed * 0x9E3779B97F4A7C15L + s + 1;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z ^ (z >>> 32)) & 0x7FFFFFFF;
    }

    private static String lastGood(Path checkpoint) {
        return checkpoint == null
                ? "Last good checkpoint: no checkpoint written yet."
                : "Last good checkpoint: " + checkpoint + " (resume with training.resume_from_checkpoint).";
    }

    /**
     * A digest of the training data as the loop sees it: micro-batches per epoch and, for epoch 0, every batch's
     * source records and token counts. Changing the data, its order or the batching changes it.
     */
    private static <B extends MicroBatch> String dataDigest(BatchSource<B> train) {
        StringBuilder sb = new StringBuilder();
        for (B b : train.epoch(0)) {
            for (DataRecord r : b.sources()) {
                sb.append(r.where()).append(',');
            }
            sb.append(b.lossTokens()).append('/').append(b.inputTokens()).append('\n');
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return train.batchesPerEpoch() + " micro-batches per epoch, sha256 "
                    + HexFormat.of().formatHex(d).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a checkpoint's trainable tensors back into the parameters, in place (through detached views). */
    private void restoreWeights(Path folder, Map<String, NDArray> trainable,
            Map<String, TensorFile.Tensor> saved) {
        if (!saved.keySet().equals(trainable.keySet())) {
            throw new LongtuneException("checkpoint " + folder + " holds trainable tensors " + saved.keySet()
                    + " but this run trains " + trainable.keySet());
        }
        try (NDManager m = ctx.manager().newSubManager()) {
            for (Map.Entry<String, NDArray> e : trainable.entrySet()) {
                TensorFile.Tensor t = saved.get(e.getKey());
                if (!Arrays.equals(t.shape(), e.getValue().getShape().getShape())) {
                    throw new LongtuneException("checkpoint " + folder + ": " + e.getKey() + " has shape "
                            + Arrays.toString(t.shape()) + ", the model's is " + e.getValue().getShape());
                }
                // NDArray.set(float[]) would not do: DJL's torchSet swaps the tensor's storage for a new one, which
                // a detached view would not share with the parameter. An indexed assignment over the whole tensor
                // (index_put_) copies into the existing storage, through a detached view (shares storage, keeps the
                // write out of autograd), bit for bit.
                NDArray view = e.getValue().stopGradient();
                view.attach(m);
                NDArray values = m.create(t.data(), e.getValue().getShape());
                view.set(ALL, values);
            }
        }
    }

    /**
     * Drops the rows of steps after {@code step} from {@code metrics/train.jsonl} and {@code metrics/eval.jsonl} (the
     * layout {@link RunContext.MetricsSink} documents): they were written by the interrupted run after its last
     * checkpoint and are about to be computed again. The file is cut in place (rows are in step order), so a writer
     * that appends keeps working. A half-written last line is dropped too.
     */
    private void dropMetricsAfter(long step) throws IOException {
        // Drop the rows the abandoned continuation wrote after the checkpoint (step > `step`) and a half-written last
        // line; keep every other row, also those without a step (the host's evaluator rows of the "before" phase,
        // written before training — stopping at the first of them used to lose the whole file).
        for (String stream : List.of("train", "eval")) {
            Path f = ctx.outputDir().resolve("metrics").resolve(stream + ".jsonl");
            if (!Files.isRegularFile(f)) {
                continue;
            }
            String text = Files.readString(f, StandardCharsets.UTF_8);
            StringBuilder kept = new StringBuilder(text.length());
            int lineStart = 0;
            for (int nl; (nl = text.indexOf('\n', lineStart)) >= 0; lineStart = nl + 1) {
                String line = text.substring(lineStart, nl);
                JsonNode row;
                try {
                    row = JSON.readTree(line);
                } catch (IOException e) {
                    continue; // a damaged row: nothing to keep
                }
                boolean after = row != null && row.path("step").canConvertToLong() && row.path("step").asLong() > step;
                if (row != null && !after) {
                    kept.append(line).append('\n');
                }
            }
            if (kept.length() != text.length()) {
                Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
                Files.writeString(tmp, kept, StandardCharsets.UTF_8);
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        }
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
        // fp16 (dynamic loss scaling): the loss is multiplied by the scale, folded into this divisor.
        NDArray divisor = step.full(new Shape(), scaler == null ? norm : (float) (norm / scaler.scale()),
                DataType.FLOAT32);
        double sum = 0;
        // training.gradient_checkpointing: the model checkpoints its layers in these training forwards only, and
        // completeBackward() (a no-op otherwise) finishes each backward pass inside the collector.
        if (config.gradientCheckpointing() && !model.supportsCheckpointing()) {
            throw new LongtuneException("training.gradient_checkpointing: the " + model.architecture()
                    + " model does not support activation checkpointing; set it to false");
        }
        model.setGradientCheckpointing(config.gradientCheckpointing());
        try {
            for (B b : group) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    TokenLoss.Sum part = loss.compute(model, b, step, true);
                    if (part.tokens() != b.lossTokens()) {
                        throw new IllegalStateException("loss counted " + part.tokens() + " tokens but the batch "
                                + "says " + b.lossTokens() + " (records " + where(List.of(b)) + ")");
                    }
                    float value = part.sum().getFloat();
                    if (!Float.isFinite(value)) {
                        throw new LongtuneException("training stopped at step " + stepNumber + ": the loss is "
                                + value + " on a micro-batch of records " + where(List.of(b)) + ". Lower "
                                + "training.learning_rate or check those records.");
                    }
                    sum += value;
                    collector.backward(part.sum().div(divisor));
                    model.completeBackward();
                }
            }
        } finally {
            // Also when a loss throws: the model must not stay in checkpointing mode for evaluation, generation or
            // a caller that catches the error (checkpointed forwards outside a training step would misbehave).
            model.setGradientCheckpointing(false);
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
