package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.GenerationOptions;
import dev.longtune.models.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Native memory stays flat while generating: after a 1,000-token warm-up, another 1,000 tokens grow the process RSS
 * by less than 30 MB. stories260K's context is 512, so each 1,000-token run is two capped generations on fresh caches
 * (the capacity stop is exercised on the way).
 */
class NativeMemoryTest {

    @Test
    void rssDoesNotGrowAcross1000GeneratedTokens() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu()); LlamaModel model = TestModels.stories(root)) {
            model.manager().cap();
            run(model, 1); // warm-up: allocator pools, JIT, kernels
            System.gc();
            long before = rssKb();
            int generated = run(model, 2);
            System.gc();
            long after = rssKb();
            System.out.printf("RSS before %d MB, after %d more generated tokens %d MB (delta %+d kB)%n",
                    before / 1024, generated, after / 1024, after - before);
            assertTrue(generated >= 1000);
            assertTrue(after - before < 30 * 1024, "RSS grew by " + (after - before) + " kB");
        }
    }

    /** Generates at least 1,000 tokens, sampling, never stopping at EOS, in runs capped by the 512 context. */
    private static int run(LlamaModel model, long seed) {
        int total = 0;
        int context = model.config().maxPositionEmbeddings();
        while (total < 1000) {
            GenerationOptions o = new GenerationOptions(1000, 1f, 0, 1f, seed + total, false);
            int n = model.generate(new int[] {1}, o, null).tokenIds().length;
            assertEquals(context - 1, n, "stops cleanly when the context is full");
            total += n;
        }
        return total;
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
