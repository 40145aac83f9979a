package dev.longtune.training.checkpoint;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;

/**
 * Everything of a run's position that is not a tensor, stored as {@code state.json} in a checkpoint folder.
 *
 * @param format {@link Checkpoints#FORMAT}
 * @param step optimiser steps completed (the checkpoint was taken after step {@code step}, 1-based)
 * @param totalSteps the run's total optimiser steps
 * @param optimizerSteps AdamW's own step count (bias correction); equals {@code step} unless steps were skipped
 * @param epoch the epoch (0-based) the last consumed micro-batch came from; -1 before any
 * @param batchIndex micro-batches of that epoch already consumed: the next step starts at this index (when it
 *     equals the epoch's batch count the next step opens epoch {@code epoch + 1})
 * @param batchesPerEpoch micro-batches per epoch when the checkpoint was taken
 * @param seed the run's seed: the per-epoch shuffle is seeded from (seed, epoch) and the engine's generator is
 *     reseeded from (seed, step) before every step (see {@code rngScheme}), so no generator state needs saving
 * @param rngScheme how random generators are derived, so a reader knows what the seed above drives
 * @param tokens input tokens seen so far
 * @param elapsedSeconds training wall time so far (the resumed run's {@code elapsed_s} continues from it)
 * @param windowLoss sum of step losses in the current logging window (not yet written as a metric row)
 * @param windowSteps steps in the current logging window
 * @param gradNorm gradient norm of the last step
 * @param losses the loss of every step so far, in order
 * @param evalLossInitial held-out loss before training, or {@code null} when there is no held-out data
 * @param configHash SHA-256 over {@code fingerprint}; a resume with a different one is refused
 * @param fingerprint what the trajectory depends on (seed, training settings, trainable tensors, data), key by key,
 *     so a refusal can say what changed
 * @param created ISO-8601 time the checkpoint was written
 * @param lossScale fp16 runs: the dynamic loss scale to continue with; {@code null} for float32 runs (and in
 *     checkpoints written before this field existed)
 * @param lossScaleGrowthTracker fp16 runs: consecutive finite steps since the scale last changed
 * @param lossScaleSkipped fp16 runs: optimiser steps skipped so far for inf/nan gradients
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CheckpointState(
        String format,
        long step,
        long totalSteps,
        long optimizerSteps,
        int epoch,
        int batchIndex,
        int batchesPerEpoch,
        long seed,
        String rngScheme,
        long tokens,
        double elapsedSeconds,
        double windowLoss,
        int windowSteps,
        double gradNorm,
        List<Double> losses,
        Double evalLossInitial,
        String configHash,
        Map<String, String> fingerprint,
        String created,
        Double lossScale,
        Integer lossScaleGrowthTracker,
        Long lossScaleSkipped) {

    /** The canonical constructor is the one JSON binds to (absent fp16 fields read as null). */
    @com.fasterxml.jackson.annotation.JsonCreator
    public CheckpointState {}

    /** A float32 run's state (no loss scaler). */
    public CheckpointState(String format, long step, long totalSteps, long optimizerSteps, int epoch, int batchIndex,
            int batchesPerEpoch, long seed, String rngScheme, long tokens, double elapsedSeconds, double windowLoss,
            int windowSteps, double gradNorm, List<Double> losses, Double evalLossInitial, String configHash,
            Map<String, String> fingerprint, String created) {
        this(format, step, totalSteps, optimizerSteps, epoch, batchIndex, batchesPerEpoch, seed, rngScheme, tokens,
                elapsedSeconds, windowLoss, windowSteps, gradNorm, losses, evalLossInitial, configHash, fingerprint,
                created, null, null, null);
    }
}
