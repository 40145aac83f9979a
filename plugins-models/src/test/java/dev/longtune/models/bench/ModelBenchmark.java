package dev.longtune.models.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.longtune.api.AttentionPattern;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.models.TestExtension;
import dev.longtune.models.TestModels;
import dev.longtune.models.llama.LlamaModelAccess;
import dev.longtune.models.llama.LlamaModel;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Reports speed on stories260K: generation tokens/s, forward time and forward+backward time per step at seq 256.
 * Not run by default (tag "benchmark"); run with
 * {@code ./mvnw -o -pl plugins-models test -Dtest=ModelBenchmark -Dgroups=benchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * Prints numbers, asserts nothing about time.
 */
@Tag("benchmark")
public class ModelBenchmark {

    /** Also runnable as a plain program on the test classpath, e.g. to try other thread counts. */
    public static void main(String[] args) throws Exception {
        new ModelBenchmark().report();
    }

    /**
     * S²-Attn cost on stories260K, forward+backward at B=1, T=512 (ratio 1/4, G=128): full causal attention, the
     * grouped S² path (the default) and the full N x N block-mask path, interleaved so load changes hit all three.
     */
    @Test
    void shiftedSparse() throws Exception {
        int seq = 512;
        long[] ids = new long[seq];
        Random r = new Random(2);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 3 + r.nextInt(500);
        }
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                LlamaModel causal = TestModels.stories(root);
                LlamaModel s2 = TestModels.stories(root, TestExtension.training(
                        new AttentionPattern.ShiftedSparse(0.25, false)))) {
            for (LlamaModel m : new LlamaModel[] {causal, s2}) {
                m.parameters().values().forEach(p -> p.setRequiresGradient(true));
            }
            String[] names = {"causal", "S2 grouped", "S2 full-mask"};
            long[] total = new long[3];
            int warm = 3;
            int runs = 10;
            for (int i = 0; i < warm + runs; i++) {
                for (int k = 0; k < 3; k++) {
                    LlamaModel m = k == 0 ? causal : s2;
                    LlamaModelAccess.setGrouped(s2, k != 2);
                    try (NDManager step = root.newSubManager()) {
                        NDArray in = step.create(ids, new Shape(1, seq));
                        long t0 = System.nanoTime();
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            gc.backward(TokenLoss.shiftedNll(m.forward(ForwardInput.training(in)), in).mean());
                        }
                        if (i >= warm) {
                            total[k] += System.nanoTime() - t0;
                        }
                    }
                }
            }
            for (int k = 0; k < 3; k++) {
                System.out.printf("B=1 T=%d forward+backward, %s: %.2f ms (mean of %d)%n", seq, names[k],
                        total[k] / 1e6 / runs, runs);
            }
            for (LlamaModel m : new LlamaModel[] {causal, s2}) {
                for (NDArray p : m.parameters().values()) {
                    p.setRequiresGradient(false);
                }
            }
        }
    }

    @Test
    void report() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu()); LlamaModel model = TestModels.stories(root)) {
            GenerationOptions opts = new GenerationOptions(500, 1f, 0, 1f, 1L, false);
            model.generate(new int[] {1}, opts, null); // warm-up
            Generation g = model.generate(new int[] {1}, opts, null);
            System.out.printf("generate: %d tokens in %.1f ms = %.0f tokens/s%n", g.tokenIds().length,
                    g.nanos() / 1e6, g.tokensPerSecond());
            for (int batch : new int[] {1, 4}) {
                int seq = 256;
                long[] ids = new long[batch * seq];
                Random r = new Random(1);
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = 3 + r.nextInt(500);
                }
                model.parameters().values().forEach(p -> p.setRequiresGradient(true));
                int warm = 3;
                int runs = 10;
                long fwd = 0;
                long fb = 0;
                for (int i = 0; i < warm + runs; i++) {
                    try (NDManager step = root.newSubManager()) {
                        NDArray in = step.create(ids, new Shape(batch, seq));
                        long t0 = System.nanoTime();
                        model.forward(ForwardInput.of(in)).get(0, 0, 0).getFloat();
                        long t1 = System.nanoTime();
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray logits = model.forward(ForwardInput.training(in));
                            NDArray loss = TokenLoss.shiftedNll(logits, in).mean();
                            gc.backward(loss);
                        }
                        long t2 = System.nanoTime();
                        if (i >= warm) {
                            fwd += t1 - t0;
                            fb += t2 - t1;
                        }
                    }
                }
                for (NDArray p : model.parameters().values()) {
                    try (NDArray grad = p.getGradient()) {
                        grad.getShape();
                    }
                    p.setRequiresGradient(false);
                }
                System.out.printf("B=%d T=%d: forward %.2f ms, forward+backward %.2f ms per step (mean of %d)%n",
                        batch, seq, fwd / 1e6 / runs, fb / 1e6 / runs, runs);
            }
        }
    }
}
