package dev.longtune.models.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.models.TestModels;
import dev.longtune.models.gemma.GemmaArchitecture;
import dev.longtune.models.gemma.GemmaTest;
import dev.longtune.models.gemma2.Gemma2Architecture;
import dev.longtune.models.gemma2.Gemma2Test;
import dev.longtune.models.mixtral.MixtralArchitecture;
import dev.longtune.models.mixtral.MixtralTest;
import dev.longtune.models.oracle.HfTestCheckpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The family-specific paths in FLOAT16 (Gemma's fp32 (1+w) norm and dtype-rounded embedding scale, Gemma 2's caps,
 * Mixtral's fp32 router softmax and cast weights) run and stay close to FLOAT32.
 */
class FamiliesFloat16Test {

    @Test
    void float16IsCloseToFloat32(@TempDir Path tmp) throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            check(new GemmaArchitecture(), GemmaTest.checkpoint(48, 96, 2, 4, 1, 16, 512, 801L), tmp, root);
            check(new Gemma2Architecture(), Gemma2Test.checkpoint(1.5, 5.0, 802L), tmp, root);
            check(new MixtralArchitecture(), MixtralTest.checkpoint(803L), tmp, root);
        }
    }

    private static void check(ModelArchitecture<NoOptions> a, HfTestCheckpoint ck, Path tmp, NDManager root)
            throws Exception {
        Path dir = ck.write(tmp.resolve(a.name()), root);
        int[] ids = FamilyChecks.ids(12, 512, 13);
        try (LanguageModel f32 = FamilyChecks.load(a, dir, root);
                LanguageModel f16 = a.load(new NoOptions(), new ModelLoadRequest(dir, TestModels.config(dir), null,
                        DataType.FLOAT16, Device.cpu(), root))) {
            float[][] x = FamilyChecks.logits(f32, ids, root, false);
            float[][] y = FamilyChecks.logits(f16, ids, root, false);
            double scale = 0;
            for (float[] r : x) {
                for (float v : r) {
                    scale = Math.max(scale, Math.abs(v));
                }
            }
            double d = FamilyChecks.maxDiff(x, y);
            System.out.printf("%s fp16 vs fp32: max |diff| %.3g (max |logit| %.3g)%n", a.name(), d, scale);
            assertTrue(d < 0.02 * scale + 0.05, a.name() + " fp16 vs fp32: " + d);
        }
    }
}
