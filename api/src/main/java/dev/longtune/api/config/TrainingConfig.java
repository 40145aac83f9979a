package dev.longtune.api.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The {@code training:} section: the loop every method shares. Names follow Hugging Face's TrainingArguments.
 *
 * @param epochs passes over the training data (ignored when {@code maxSteps > 0})
 * @param maxSteps optimiser steps to run; 0 = derived from {@code epochs}
 * @param batchSize sequences per micro-batch
 * @param gradientAccumulationSteps micro-batches per optimiser step
 * @param lrScheduler {@code constant}, {@code linear} or {@code cosine} (each after linear warm-up)
 * @param warmupSteps linear warm-up steps; when 0, {@code warmupRatio * totalSteps} is used
 * @param minLrRatio floor of the decay, as a fraction of {@code learningRate}
 * @param maxGradNorm global L2 norm clipping threshold (0 = off)
 * @param weightDecay decoupled (AdamW) weight decay; never applied to norms and biases
 * @param logEvery optimiser steps between metric rows
 * @param saveEvery optimiser steps between resumable checkpoints ({@code checkpoints/step-N} in the output folder;
 *     0 = none: the host exports the final model)
 * @param resumeFromCheckpoint {@code null} (default: start fresh), {@code "auto"} (continue from the latest
 *     complete checkpoint in {@code <output>/checkpoints} if there is one, otherwise start fresh) or the path of a
 *     checkpoint folder ({@code .../checkpoints/step-N}) to continue from
 * @param keepCheckpoints how many of the newest checkpoints to keep, older ones are deleted (default 2; 0 = keep
 *     all)
 * @param groupByLength batch examples of similar length together (HF's {@code group_by_length}): shuffled
 *     megabatches of 50 micro-batches, each sorted by length, longest batch first; less padding (default false)
 * @param gradientCheckpointing activation checkpointing per decoder layer (default false): a training forward keeps
 *     only each layer's input and the backward pass recomputes one layer at a time, trading about one extra forward
 *     for activation memory (see {@code LanguageModel#setGradientCheckpointing}); refused for models without it
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TrainingConfig(
        Integer epochs,
        Integer maxSteps,
        Integer batchSize,
        Integer gradientAccumulationSteps,
        Double learningRate,
        String lrScheduler,
        Integer warmupSteps,
        Double warmupRatio,
        Double minLrRatio,
        Double weightDecay,
        Double adamBeta1,
        Double adamBeta2,
        Double adamEpsilon,
        Double maxGradNorm,
        Integer logEvery,
        Integer saveEvery,
        String resumeFromCheckpoint,
        Integer keepCheckpoints,
        Boolean groupByLength,
        Boolean gradientCheckpointing) {

    /** The configuration with {@code gradientCheckpointing} off (the constructor from before that key existed). */
    public TrainingConfig(Integer epochs, Integer maxSteps, Integer batchSize, Integer gradientAccumulationSteps,
            Double learningRate, String lrScheduler, Integer warmupSteps, Double warmupRatio, Double minLrRatio,
            Double weightDecay, Double adamBeta1, Double adamBeta2, Double adamEpsilon, Double maxGradNorm,
            Integer logEvery, Integer saveEvery, String resumeFromCheckpoint, Integer keepCheckpoints,
            Boolean groupByLength) {
        this(epochs, maxSteps, batchSize, gradientAccumulationSteps, learningRate, lrScheduler, warmupSteps,
                warmupRatio, minLrRatio, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, logEvery,
                saveEvery, resumeFromCheckpoint, keepCheckpoints, groupByLength, null);
    }

    public TrainingConfig {
        epochs = epochs == null ? 1 : epochs;
        maxSteps = maxSteps == null ? 0 : maxSteps;
        batchSize = batchSize == null ? 8 : batchSize;
        gradientAccumulationSteps = gradientAccumulationSteps == null ? 1 : gradientAccumulationSteps;
        learningRate = learningRate == null ? 2e-5 : learningRate;
        lrScheduler = lrScheduler == null ? "cosine" : lrScheduler;
        warmupSteps = warmupSteps == null ? 0 : warmupSteps;
        warmupRatio = warmupRatio == null ? 0.0 : warmupRatio;
        minLrRatio = minLrRatio == null ? 0.0 : minLrRatio;
        weightDecay = weightDecay == null ? 0.0 : weightDecay;
        adamBeta1 = adamBeta1 == null ? 0.9 : adamBeta1;
        adamBeta2 = adamBeta2 == null ? 0.999 : adamBeta2;
        adamEpsilon = adamEpsilon == null ? 1e-8 : adamEpsilon;
        maxGradNorm = maxGradNorm == null ? 1.0 : maxGradNorm;
        logEvery = logEvery == null ? 10 : logEvery;
        saveEvery = saveEvery == null ? 0 : saveEvery;
        resumeFromCheckpoint = resumeFromCheckpoint == null || resumeFromCheckpoint.isBlank()
                ? null : resumeFromCheckpoint.trim();
        keepCheckpoints = keepCheckpoints == null ? 2 : keepCheckpoints;
        gradientCheckpointing = gradientCheckpointing != null && gradientCheckpointing;
        groupByLength = groupByLength != null && groupByLength;
        if (keepCheckpoints < 0) {
            throw new IllegalArgumentException("training.keep_checkpoints must be >= 0 (0 = keep all), got "
                    + keepCheckpoints);
        }
    }

    /** All defaults. */
    public static TrainingConfig defaults() {
        return new TrainingConfig(null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null);
    }

    /** This configuration continuing from {@code resume} ({@code null}, {@code "auto"} or a checkpoint folder). */
    public TrainingConfig withResumeFromCheckpoint(String resume) {
        return new TrainingConfig(epochs, maxSteps, batchSize, gradientAccumulationSteps, learningRate, lrScheduler,
                warmupSteps, warmupRatio, minLrRatio, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm,
                logEvery, saveEvery, resume, keepCheckpoints, groupByLength, gradientCheckpointing);
    }
}
