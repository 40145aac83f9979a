package dev.longtune.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.training.optim.AdamW;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint folder format: tensor files, atomic publication, pruning, resolution, config refusal. */
class CheckpointsTest {

    @TempDir
    Path out;

    @AfterEach
    void resetHook() {
        Checkpoints.beforePublish = p -> {};
    }

    private static final Map<String, long[]> SHAPES = Map.of("w", new long[] {2, 3}, "b", new long[] {3});

    private static Map<String, String> fingerprint(TrainingConfig c) {
        return Checkpoints.fingerprint(c, 42L, 24, SHAPES, "6 micro-batches per epoch, sha256 0123456789abcdef");
    }

    private static CheckpointState state(long step, Map<String, String> fp) {
        return new CheckpointState(Checkpoints.FORMAT, step, 24, step, 0, (int) step, 6, 42L, "test", 100 * step,
                1.5, 0.0, 0, 0.25, List.of(3.0, 2.5), null, Checkpoints.hash(fp), fp, "now");
    }

    private static Path save(Checkpoints cks, NDManager m, long step) throws IOException {
        Map<String, NDArray> trainable = new LinkedHashMap<>();
        trainable.put("w", m.create(new float[] {1, 2, 3, 4, 5, step}, new Shape(2, 3)));
        trainable.put("b", m.create(new float[] {-1, 0.5f, Float.MIN_VALUE}));
        Map<String, float[]> mm = new LinkedHashMap<>();
        Map<String, float[]> vv = new LinkedHashMap<>();
        mm.put("w", new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f});
        mm.put("b", new float[] {1e-9f, -2f, 3f});
        vv.put("w", new float[] {1, 1, 1, 1, 1, step});
        vv.put("b", new float[] {7, 8, 9});
        return cks.save(state(step, fingerprint(TrainingConfig.defaults())), trainable,
                new AdamW.State(step, mm, vv));
    }

    @Test
    void roundTripsEverythingBitForBit() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Checkpoints cks = Checkpoints.of(out);
            Path folder = save(cks, m, 4);
            assertEquals(out.resolve("checkpoints/step-4"), folder);
            for (String f : List.of(Checkpoints.TRAINABLE, Checkpoints.OPTIMIZER, Checkpoints.STATE)) {
                assertTrue(Files.isRegularFile(folder.resolve(f)), f);
            }
            Checkpoints.Loaded l = Checkpoints.load(folder);
            assertEquals(4, l.state().step());
            assertEquals(List.of(3.0, 2.5), l.state().losses());
            assertArrayEquals(new long[] {2, 3}, l.trainable().get("w").shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 4}, l.trainable().get("w").data());
            assertArrayEquals(new float[] {-1, 0.5f, Float.MIN_VALUE}, l.trainable().get("b").data());
            assertEquals(4, l.optimiser().step());
            assertArrayEquals(new float[] {1e-9f, -2f, 3f}, l.optimiser().m().get("b"));
            assertArrayEquals(new float[] {7, 8, 9}, l.optimiser().v().get("b"));
            assertEquals("adamw", TensorFile.metadata(folder.resolve(Checkpoints.OPTIMIZER)).get("optimizer"));
        }
    }

    /**
     * A process killed after writing the temporary folder but before the rename leaves no {@code step-N}; the
     * latest complete checkpoint is still the previous one, and the next save clears the leftover.
     */
    @Test
    void crashBeforeRenameLeavesNoPartialCheckpoint() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Checkpoints cks = Checkpoints.of(out);
            save(cks, m, 4);
            Checkpoints.beforePublish = tmp -> {
                throw new IllegalStateException("simulated crash with " + tmp + " written");
            };
            assertThrows(IllegalStateException.class, () -> save(cks, m, 8));
            assertFalse(Files.exists(out.resolve("checkpoints/step-8")));
            assertTrue(Files.isRegularFile(out.resolve("checkpoints/step-8.tmp/state.json")), "temp was complete");
            // A half-written folder under a step name (e.g. copied by hand) is not taken either.
            Files.createDirectories(out.resolve("checkpoints/step-12"));
            Files.writeString(out.resolve("checkpoints/step-12/trainable.safetensors"), "partial");
            assertEquals(List.of(out.resolve("checkpoints/step-4")), cks.list());
            assertEquals(out.resolve("checkpoints/step-4"), Checkpoints.resolve("auto", out).orElseThrow());

            Checkpoints.beforePublish = p -> {};
            save(cks, m, 8);
            assertFalse(Files.exists(out.resolve("checkpoints/step-8.tmp")), "the leftover is cleared");
            assertEquals(out.resolve("checkpoints/step-8"), Checkpoints.resolve("auto", out).orElseThrow());
        }
    }

    @Test
    void prunesToTheNewestAndReplacesAnExistingStep() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Checkpoints cks = Checkpoints.of(out);
            for (long s : new long[] {4, 8, 12, 16}) {
                save(cks, m, s);
                cks.prune(2);
            }
            assertEquals(List.of(out.resolve("checkpoints/step-12"), out.resolve("checkpoints/step-16")),
                    cks.list());
            try (var files = Files.list(out.resolve("checkpoints"))) {
                assertEquals(2, files.count(), "no .tmp or .trash left");
            }
            save(cks, m, 12); // an abandoned run's step-12 is replaced
            assertEquals(12f, Checkpoints.load(out.resolve("checkpoints/step-12")).trainable().get("w").data()[5]);
            cks.discardAfter(12);
            assertEquals(List.of(out.resolve("checkpoints/step-12")), cks.list());
            cks.prune(0); // 0 keeps all
            assertEquals(1, cks.list().size());
        }
    }

    @Test
    void resolvesAutoAndPaths() throws IOException {
        assertTrue(Checkpoints.resolve(null, out).isEmpty());
        assertTrue(Checkpoints.resolve("auto", out).isEmpty(), "auto with nothing saved starts fresh");
        try (NDManager m = NDManager.newBaseManager()) {
            save(Checkpoints.of(out), m, 4);
        }
        assertEquals(out.resolve("checkpoints/step-4"),
                Checkpoints.resolve("checkpoints/step-4", out).orElseThrow(), "relative to the output folder");
        assertEquals(out.resolve("checkpoints/step-4"),
                Checkpoints.resolve(out.resolve("checkpoints/step-4").toString(), out).orElseThrow());
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> Checkpoints.resolve(out.resolve("checkpoints/step-9").toString(), out));
        assertTrue(e.getMessage().contains("not a folder"), e.getMessage());
        Files.createDirectories(out.resolve("half"));
        e = assertThrows(LongtuneException.class, () -> Checkpoints.resolve(out.resolve("half").toString(), out));
        assertTrue(e.getMessage().contains("not a complete checkpoint"), e.getMessage());
    }

    @Test
    void refusesADifferentConfigurationNamingWhatChanged() throws IOException {
        TrainingConfig base = TrainingConfig.defaults();
        CheckpointState saved = state(4, fingerprint(base));
        Checkpoints.verify(out, saved, fingerprint(base)); // same: accepted
        // Logging and checkpoint settings may change between the runs.
        TrainingConfig logging = new TrainingConfig(null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, 1, 7, "auto", 5, null);
        Checkpoints.verify(out, saved, fingerprint(logging));
        TrainingConfig other = new TrainingConfig(null, null, null, null, 3e-4, null, null, null, null, null, null,
                null, null, null, null, null, "auto", null, null);
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> Checkpoints.verify(out, saved, fingerprint(other)));
        assertTrue(e.getMessage().contains("learning_rate: checkpoint 2.0E-5, now 3.0E-4"), e.getMessage());
        assertTrue(e.getMessage().contains("different configuration"), e.getMessage());
        assertFalse(e.getMessage().contains("batch_size"), e.getMessage());
    }

    @Test
    void tensorFileRejectsATruncatedFile() throws IOException {
        Path f = out.resolve("t.safetensors");
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("a", new long[] {4, 1000});
        float[] data = new float[4000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) Math.sin(i);
        }
        TensorFile.write(f, shapes, n -> data, Map.of());
        byte[] bytes = Files.readAllBytes(f);
        assertEquals(0, bytes.length % 4);
        assertArrayEquals(data, TensorFile.read(f).get("a").data());
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        LongtuneException e = assertThrows(LongtuneException.class, () -> TensorFile.read(f));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
}
