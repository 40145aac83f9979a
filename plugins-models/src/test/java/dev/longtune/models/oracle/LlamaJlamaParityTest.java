package dev.longtune.models.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.longtune.models.llama.LlamaArchitecture;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Longtune's Llama forward pass against Jlama 0.8.4, an independent implementation, on a random GQA checkpoint:
 * hidden 64, 4 heads of 16, 2 KV heads, FFN 128 (multiples of 16 for Jlama's AVX-512 kernels), 2 layers, vocab 512
 * with stories260K's tokenizer, untied head, max_position_embeddings 4096, 40 tokens.
 */
class LlamaJlamaParityTest {

    private static NDManager root;

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    @Test
    void logitsMatchJlamaAtEveryPosition(@TempDir Path tmp) throws Exception {
        Path dir = HfTestCheckpoint.llama(64, 128, 2, 4, 2, 512, 4096, false, 20261123L)
                .write(tmp.resolve("llama-gqa"), root);
        int[] ids = new int[40];
        Random r = new Random(11);
        ids[0] = 1;
        for (int i = 1; i < ids.length; i++) {
            ids[i] = r.nextInt(512);
        }
        JlamaParity.Report report = JlamaParity.assertMatches(new LlamaArchitecture(), dir, ids, root);
        // The comparison is only meaningful if the logits are far from zero relative to the tolerance.
        assertTrue(report.maxAbsLogit() > 1.0, report.toString());
    }

    /** Negative control: the oracle really runs the folder it is given, so a 5% change in one K projection shows. */
    @Test
    void oracleSeesASmallChangeInTheKeyProjection(@TempDir Path tmp) throws Exception {
        HfTestCheckpoint ck = HfTestCheckpoint.llama(64, 128, 2, 4, 2, 512, 4096, false, 5L);
        Path a = ck.write(tmp.resolve("a"), root);
        float[] k = ck.weights().get("model.layers.1.self_attn.k_proj.weight");
        for (int i = 0; i < k.length; i++) {
            k[i] *= 1.05f;
        }
        Path b = ck.write(tmp.resolve("b"), root);
        int[] ids = {1, 300, 17, 4, 99, 511, 256, 3, 42, 8, 77, 12, 5, 6, 7, 8};
        Optional<JlamaOracle> oracle = JlamaOracle.get();
        assumeTrue(oracle.isPresent(), JlamaOracle::unavailableReason);
        JlamaParity.Report r = JlamaParity.compare(oracle.get().logits(b, ids),
                JlamaParity.longtuneLogits(a, ids, root, JlamaParity.loader(new LlamaArchitecture(), root)));
        System.out.println("Jlama(perturbed) vs Longtune(original): " + r);
        assertTrue(r.maxLogitDiff() > 10 * JlamaParity.TOLERANCE, r.toString());
    }
}
