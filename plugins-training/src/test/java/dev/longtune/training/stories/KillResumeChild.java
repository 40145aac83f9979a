package dev.longtune.training.stories;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.RunContext;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.loop.TrainingLoop;
import dev.longtune.training.optim.DynamicLossScaler;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training process {@link KillResumeTest} starts, kills and restarts: SFT of stories260K on 40 quickstart
 * records, batch 4, 24 steps, a checkpoint every 4. Metric rows are appended to {@code <out>/metrics/<stream>.jsonl}
 * as the host does, and each training step is also printed as {@code STEP <n> <loss>} for the parent to follow.
 *
 * <p>Arguments: output folder, {@code resume_from_checkpoint} ({@code none} for a fresh run), and a pause in ms after
 * each step (to give the parent time to kill it mid-run; it does not touch any number).
 */
public final class KillResumeChild {

    private KillResumeChild() {}

    static final int STEPS = 24;

    static TrainingConfig config(String resume) {
        return new TrainingConfig(1, STEPS, 4, 1, 1e-3, "cosine", 3, 0.0, 0.1, 0.01, null, null, null, 1.0, 1, 4,
                resume, 2, null);
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        String resume = "none".equals(args[1]) ? null : args[1];
        long pauseMs = Long.parseLong(args[2]);
        Files.createDirectories(out);
        if (args.length > 3 && args[3].equals("float16")) {
            mixedPrecision(out, resume, pauseMs);
            return;
        }
        List<DataRecord> train = Stories.quickstart("train", 40);
        DataConfig data = new DataConfig(null, null, null, "alpaca", 256, null, null);
        try (TestRunContext ctx = context(out, pauseMs); LanguageModel model = Stories.load(ctx.manager())) {
            TrainingOutcome o = new SftMethod(SftOptions.defaults())
                    .train(new TrainingJob(model, train, List.of(), data, config(resume), ctx));
            System.out.println("DONE steps=" + o.steps() + " resumed_from="
                    + o.extra().getOrDefault("resumed_from_step", 0.0).longValue());
            System.out.flush();
        }
    }

    /**
     * The same run on stories260K loaded as float16 (mixed precision: float32 masters, dynamic loss scaling),
     * driving the loop directly so the scaler can start at 2^13 growing every 3 finite steps (measured: 2^19 with
     * growth tracker 2 at the step-20 checkpoint, no overflow), so the scaler state saved in a checkpoint is not the
     * starting one and must be restored for the resumed run to scale its losses as the uninterrupted one did.
     */
    static final DynamicLossScaler.State FP16_START = new DynamicLossScaler.State(8192, 0, 0);

    private static void mixedPrecision(Path out, String resume, long pauseMs) throws Exception {
        try (TestRunContext ctx = context(out, pauseMs); LanguageModel model = Fp16Runs.load(ctx.manager(),
                DataType.FLOAT16)) {
            Map<String, NDArray> trainable = new LinkedHashMap<>(model.parameters());
            trainable.values().forEach(p -> p.setRequiresGradient(true));
            TrainingOutcome o = new TrainingLoop(config(resume), ctx)
                    .withLossScaler(() -> new DynamicLossScaler(FP16_START.scale(), 2, 0.5, 3))
                    .run(model, trainable, Fp16Runs.source(model, ctx, 40, 4, 256), List.of(), SftMethod.LOSS);
            System.out.println("DONE steps=" + o.steps() + " resumed_from="
                    + o.extra().getOrDefault("resumed_from_step", 0.0).longValue() + " loss_scale="
                    + o.extra().get("loss_scale") + " skipped=" + o.extra().get("fp16_skipped_steps"));
            System.out.flush();
        }
    }

    /** The run context of the child: the conformance kit's, with metric rows appended to real JSONL files. */
    private static TestRunContext context(Path out, long pauseMs) {
        return new TestRunContext(out, 42L, "alpaca", jsonlMetrics(out, pauseMs));
    }

    /**
     * Appends each row to {@code <out>/metrics/<stream>.jsonl} as the host does, prints train steps for the parent
     * and, with {@code pauseMs > 0}, pauses after each step so the parent can kill the child mid-run.
     */
    private static RunContext.MetricsSink jsonlMetrics(Path out, long pauseMs) {
        ObjectMapper json = new ObjectMapper();
        return (stream, row) -> {
            try {
                Path dir = out.resolve("metrics");
                Files.createDirectories(dir);
                Files.writeString(dir.resolve(stream + ".jsonl"), json.writeValueAsString(row) + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (stream.equals("train")) {
                System.out.println("STEP " + row.get("step") + " " + row.get("loss"));
                System.out.flush();
                if (pauseMs > 0) {
                    try {
                        Thread.sleep(pauseMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
    }
}
