package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.AttentionPattern.ShiftedSparse;
import dev.longtune.api.AttentionPattern.SlidingWindow;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LongtuneException;
import dev.longtune.models.RandomCheckpoint;
import dev.longtune.models.TestExtension;
import dev.longtune.models.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packed rows (spec D.6): with {@link ForwardInput#segmentIds} and positions restarting at 0 per segment, every
 * position of a row {@code [doc A | doc B]} has exactly the logits of A and B run on their own.
 */
class PackedForwardTest {

    private static NDManager root;

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    private static final int[] A = {1, 17, 300, 4, 99, 511, 256, 3, 42};
    private static final int[] B = {1, 5, 6, 7, 8, 9, 10};
    private static final int[] C = {1, 400, 33};

    /** Row 0 = [A | B], row 1 = [C | A(prefix) ] so rows differ in their segment boundaries; length 16. */
    private static final int T = A.length + B.length;

    private static long[][] packedRow(int[]... docs) {
        long[] ids = new long[T];
        long[] pos = new long[T];
        long[] seg = new long[T];
        int at = 0;
        for (int d = 0; d < docs.length; d++) {
            for (int i = 0; i < docs[d].length; i++) {
                ids[at] = docs[d][i];
                pos[at] = i;
                seg[at] = d;
                at++;
            }
        }
        return new long[][] {ids, pos, seg};
    }

    private static int[] prefix(int[] a, int n) {
        return java.util.Arrays.copyOf(a, n);
    }

    /** Two packed rows: [A | B] and [C | A(13)]. */
    private static final int[][][] ROWS = {{A, B}, {C, prefix(A, T - C.length)}};

    private static float[] packedLogits(LlamaModel model, NDManager step, boolean training) {
        long[] ids = new long[2 * T];
        long[] pos = new long[2 * T];
        long[] seg = new long[2 * T];
        for (int r = 0; r < 2; r++) {
            long[][] row = packedRow(ROWS[r]);
            System.arraycopy(row[0], 0, ids, r * T, T);
            System.arraycopy(row[1], 0, pos, r * T, T);
            System.arraycopy(row[2], 0, seg, r * T, T);
        }
        Shape s = new Shape(2, T);
        return model.forward(ForwardInput.packed(step.create(ids, s), step.create(pos, s), step.create(seg, s),
                training)).toFloatArray();
    }

    private static float[] alone(LlamaModel model, NDManager step, int[] doc) {
        long[] ids = new long[doc.length];
        for (int i = 0; i < doc.length; i++) {
            ids[i] = doc[i];
        }
        return model.forward(ForwardInput.of(step.create(ids, new Shape(1, doc.length)))).toFloatArray();
    }

    /**
     * Max |packed - separate| over every position, relative to max(1, the largest |logit|): the products run over
     * different shapes ([2, 16] vs [1, n]), so fp32 rounding differs at the 1e-6 relative level; a leak across
     * documents or a wrong position would differ by O(1).
     */
    private static double worstVsSeparate(LlamaModel model, int vocab) {
        try (NDManager step = root.newSubManager()) {
            float[] packed = packedLogits(model, step, false);
            double scale = 1;
            for (float f : packed) {
                scale = Math.max(scale, Math.abs(f));
            }
            double worst = 0;
            for (int r = 0; r < 2; r++) {
                int at = 0;
                for (int[] doc : ROWS[r]) {
                    float[] want = alone(model, step, doc);
                    for (int i = 0; i < doc.length; i++) {
                        for (int v = 0; v < vocab; v++) {
                            worst = Math.max(worst,
                                    Math.abs(want[i * vocab + v] - packed[((r * T) + at + i) * vocab + v]));
                        }
                    }
                    at += doc.length;
                }
            }
            System.out.println("absolute " + worst + ", largest |logit| " + scale);
            return worst / scale;
        }
    }

    @Test
    void packedRowEqualsSeparateDocumentsOnStories() throws Exception {
        try (LlamaModel model = TestModels.stories(root)) {
            double worst = worstVsSeparate(model, model.config().vocabSize());
            System.out.println("stories260K: max |packed - separate| relative logit difference: " + worst);
            assertTrue(worst < 1e-5, "max difference " + worst);
        }
    }

    @Test
    void packedRowEqualsSeparateDocumentsUnderSlidingWindow() throws Exception {
        // A window pattern combined with the segments: each document still equals itself run alone with the window.
        try (LlamaModel model = TestModels.stories(root, TestExtension.always(new SlidingWindow(4)));
                LlamaModel plain = TestModels.stories(root); NDManager step = root.newSubManager()) {
            // The window is in effect: A's last position (9 tokens > 4) differs from full causal attention.
            float[] windowed = alone(model, step, A);
            float[] full = alone(plain, step, A);
            int v = model.config().vocabSize();
            double change = 0;
            for (int i = (A.length - 1) * v; i < A.length * v; i++) {
                change = Math.max(change, Math.abs(windowed[i] - full[i]));
            }
            assertTrue(change > 1e-2, "window 4 should change the logits, changed " + change);
            double worst = worstVsSeparate(model, model.config().vocabSize());
            System.out.println("stories260K, window 4: max |packed - separate| relative logit difference: " + worst);
            assertTrue(worst < 1e-5, "max difference " + worst);
        }
    }

    @Test
    void packedRowMatchesPlainJavaReferenceOnRandomCheckpoint(@TempDir Path tmp) throws Exception {
        RandomCheckpoint ck = new RandomCheckpoint(16, 40, 2, 4, 2, 64, false, 7L);
        Path dir = ck.write(tmp.resolve("random"), root);
        ReferenceLlama ref = new ReferenceLlama(ck);
        try (LlamaModel model = TestModels.load(dir, root); NDManager step = root.newSubManager()) {
            float[] packed = packedLogits(model, step, false);
            double worst = 0;
            for (int r = 0; r < 2; r++) {
                int at = 0;
                for (int[] doc : ROWS[r]) {
                    double[][] want = ref.forward(doc);
                    for (int i = 0; i < doc.length; i++) {
                        for (int v = 0; v < 512; v++) {
                            worst = Math.max(worst, Math.abs(want[i][v] - packed[((r * T) + at + i) * 512 + v]));
                        }
                    }
                    at += doc.length;
                }
            }
            System.out.println("random checkpoint: max |packed DJL - plain-Java reference per document|: " + worst);
            assertTrue(worst < 1e-4, "max difference " + worst);
            double self = worstVsSeparate(model, 512);
            System.out.println("random checkpoint: max |packed - separate| relative logit difference: " + self);
            assertTrue(self < 1e-5, "max difference " + self);
        }
    }

    @Test
    void shiftedSparseAttentionRefusesPacking() throws Exception {
        try (LlamaModel model = TestModels.stories(root, TestExtension.training(new ShiftedSparse(0.25, false)));
                NDManager step = root.newSubManager()) {
            LongtuneException e = assertThrows(LongtuneException.class, () -> packedLogits(model, step, true));
            assertTrue(e.getMessage().contains("S²-Attn"), e.getMessage());
        }
    }
}
