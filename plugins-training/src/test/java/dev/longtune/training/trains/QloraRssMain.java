package dev.longtune.training.trains;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.models.llama.LlamaArchitecture;
import dev.longtune.training.optim.AdamW;
import dev.longtune.training.optim.Gradients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Child-JVM side of {@link QloraPeakRssTest}: loads a checkpoint, prepares {@code args[1]} ({@code lora} or
 * {@code qlora}, all-linear, r 16), runs 3 training steps (B 1, T 128) with AdamW and prints
 * {@code RESULT key=value ...}: VmRSS before loading, after loading, after preparing, after the steps, and VmHWM over
 * the whole run and over the training steps alone (reset through {@code /proc/self/clear_refs} after preparing).
 * Optional {@code args[2]}: {@code ckpt} for activation checkpointing per layer ({@code setGradientCheckpointing},
 * then {@code completeBackward()} after each backward), {@code plain} (default) without; {@code args[3]}: the
 * sequence length T (default 128); {@code args[4]}: {@code full} trains every parameter instead of adapters.
 */
public final class QloraRssMain {

    private QloraRssMain() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String type = args[1];
        boolean checkpointing = args.length > 2 && "ckpt".equals(args[2]);
        int seqLen = args.length > 3 ? Integer.parseInt(args[3]) : 128;
        boolean full = args.length > 4 && "full".equals(args[4]);
        long baseline = status("VmRSS");
        try (TestRunContext ctx = new TestRunContext(Files.createTempDirectory("qlora-rss"), 42L, "alpaca")) {
            NDManager root = ctx.manager();
            ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
            try (LanguageModel model = new LlamaArchitecture().loadLlama(
                    new ModelLoadRequest(dir, config, null, DataType.FLOAT32, Device.cpu(), root))) {
                long loaded = status("VmRSS");
                TrainableStrategy s = TrainableStrategies.create(new ObjectMapper().readTree(full
                        ? "{\"type\": \"full\"}"
                        : "{\"type\": \"" + type + "\", \"r\": 16, \"alpha\": 32, \"target_modules\": \"all-linear\"}"),
                        "trains");
                model.setGradientCheckpointing(checkpointing);
                try (TrainableStrategy.Prepared p = s.prepare(model, ctx)) {
                    System.gc();
                    long prepared = status("VmRSS");
                    long loadPeak = status("VmHWM");
                    boolean reset = resetPeak();
                    Random rng = new Random(1);
                    int[] ids = new int[seqLen];
                    try (AdamW opt = new AdamW(p.trainable(), 0.9, 0.999, 1e-8, 0.0, root)) {
                        for (int step = 0; step < 3; step++) {
                            for (int i = 0; i < ids.length; i++) {
                                ids[i] = 3 + rng.nextInt(500);
                            }
                            try (NDManager m = root.newSubManager()) {
                                NDArray in = m.create(ids, new Shape(1, ids.length));
                                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                                    NDArray logits = model.forward(ForwardInput.training(in));
                                    gc.backward(TokenLoss.shiftedNll(logits, in).mean());
                                    model.completeBackward(); // no-op without checkpointing
                                }
                                List<NDArray> grads = Gradients.take(p.trainable(), m);
                                opt.step(grads, 1e-4);
                            }
                        }
                    }
                    long trainPeak = status("VmHWM");
                    System.gc();
                    long after = status("VmRSS");
                    System.out.println("RESULT baselineRssKb=" + baseline + " loadedRssKb=" + loaded
                            + " preparedRssKb=" + prepared + " afterStepsRssKb=" + after + " loadPeakKb=" + loadPeak
                            + " trainPeakKb=" + trainPeak + " peakResetOk=" + reset);
                }
            }
        }
    }

    static long status(String key) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no " + key);
    }

    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
