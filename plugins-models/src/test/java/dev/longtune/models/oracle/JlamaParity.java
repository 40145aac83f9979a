package dev.longtune.models.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One-call parity check of a Longtune architecture against {@link JlamaOracle}:
 *
 * <pre>{@code
 * Path dir = HfTestCheckpoint.llama(64, 128, 2, 4, 2, 512, 4096, false, 7L).write(tmp.resolve("m"), root);
 * JlamaParity.assertMatches(new LlamaArchitecture(), dir, ids, root);   // skipped without Temurin 25
 * }</pre>
 *
 * Both raw logits and log-softmax must agree within {@link #TOLERANCE} at every position (Jlama's own run-to-run
 * noise is ~1e-6). Prints the differences so the numbers end up in the surefire report.
 */
public final class JlamaParity {

    /** Maximum absolute difference allowed, for raw logits and for log-probabilities. */
    public static final double TOLERANCE = 1e-4;

    private JlamaParity() {}

    /** The two maximum absolute differences over all positions and vocabulary entries. */
    public record Report(double maxLogitDiff, double maxLogProbDiff, double maxAbsLogit, int positions, int vocab) {
        @Override
        public String toString() {
            return String.format("positions %d, vocab %d: max |logit diff| %.3g, max |log-prob diff| %.3g "
                    + "(max |logit| %.3g)", positions, vocab, maxLogitDiff, maxLogProbDiff, maxAbsLogit);
        }
    }

    /** Loads {@code dir} with {@code architecture} (FLOAT32, CPU, no options) and asserts parity with Jlama. */
    public static Report assertMatches(ModelArchitecture<NoOptions> architecture, Path dir, int[] ids,
            NDManager parent) throws Exception {
        return assertMatches(dir, ids, parent, loader(architecture, parent));
    }

    /** A loader for an architecture without options: FLOAT32 on the CPU, no context extension. */
    public static Loader loader(ModelArchitecture<NoOptions> architecture, NDManager parent) {
        return d -> architecture.load(new NoOptions(), new ModelLoadRequest(d,
                (ObjectNode) new ObjectMapper().readTree(d.resolve("config.json").toFile()), null,
                DataType.FLOAT32, Device.cpu(), parent));
    }

    /** Loads the model with {@code loader} (for architectures that take options) and asserts parity with Jlama. */
    public static Report assertMatches(Path dir, int[] ids, NDManager parent, Loader loader) throws Exception {
        Optional<JlamaOracle> oracle = JlamaOracle.get();
        assumeTrue(oracle.isPresent(), () -> "Jlama parity oracle unavailable: " + JlamaOracle.unavailableReason());
        float[][] want = oracle.get().logits(dir, ids);
        float[][] got = longtuneLogits(dir, ids, parent, loader);
        Report r = compare(want, got);
        System.out.println("Jlama parity " + dir.getFileName() + ": " + r);
        assertTrue(r.maxLogitDiff < TOLERANCE && r.maxLogProbDiff < TOLERANCE, "Longtune vs Jlama on " + dir + ": "
                + r);
        return r;
    }

    /** Longtune's logits {@code [T][V]} for one sequence, from one uncached forward pass. */
    public static float[][] longtuneLogits(Path dir, int[] ids, NDManager parent, Loader loader) throws Exception {
        try (LanguageModel model = loader.load(dir); NDManager step = parent.newSubManager()) {
            long[] flat = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                flat[i] = ids[i];
            }
            NDArray logits = model.forward(ForwardInput.of(step.create(flat, new Shape(1, ids.length))));
            int v = Math.toIntExact(logits.getShape().get(2));
            float[] all = logits.toFloatArray();
            float[][] out = new float[ids.length][v];
            for (int t = 0; t < ids.length; t++) {
                System.arraycopy(all, t * v, out[t], 0, v);
            }
            return out;
        }
    }

    /** Max absolute differences of raw logits and of log-softmax (computed in double). */
    public static Report compare(float[][] want, float[][] got) {
        if (want.length != got.length || want[0].length != got[0].length) {
            throw new AssertionError("shape mismatch: Jlama [" + want.length + ", " + want[0].length + "] vs "
                    + "Longtune [" + got.length + ", " + got[0].length + "]");
        }
        double logit = 0;
        double logProb = 0;
        double maxAbs = 0;
        for (int t = 0; t < want.length; t++) {
            double lw = logSumExp(want[t]);
            double lg = logSumExp(got[t]);
            for (int v = 0; v < want[t].length; v++) {
                logit = Math.max(logit, Math.abs(want[t][v] - got[t][v]));
                logProb = Math.max(logProb, Math.abs((want[t][v] - lw) - (got[t][v] - lg)));
                maxAbs = Math.max(maxAbs, Math.abs(want[t][v]));
            }
        }
        return new Report(logit, logProb, maxAbs, want.length, want[0].length);
    }

    private static double logSumExp(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float f : x) {
            max = Math.max(max, f);
        }
        double s = 0;
        for (float f : x) {
            s += Math.exp(f - max);
        }
        return max + Math.log(s);
    }

    /** Loads a Longtune model from a checkpoint folder. */
    @FunctionalInterface
    public interface Loader {
        LanguageModel load(Path dir) throws Exception;
    }
}
