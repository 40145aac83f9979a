package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.models.TestModels;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The real pretrained stories260K reproduces the reference greedy continuation (llama2.c's own run). */
class StoriesGreedyTest {

    @Test
    void greedyFromBosMatchesReferenceTokenForToken() throws Exception {
        int[] ref = TestModels.referenceGreedy();
        try (NDManager parent = NDManager.newBaseManager(Device.cpu());
                LlamaModel model = TestModels.stories(parent)) {
            model.manager().cap(); // parameters only: any leak into the model's manager throws
            assertEquals(1, model.tokenizer().bosId().getAsInt());
            assertEquals(2, model.tokenizer().eosId().getAsInt());
            // The reference continues past EOS, so do not stop there.
            GenerationOptions greedy = new GenerationOptions(ref.length - 1, 0f, 0, 1f, 0L, false);
            Generation g = model.generate(new int[] {ref[0]}, greedy, null);
            int[] expected = Arrays.copyOfRange(ref, 1, ref.length);
            assertArrayEquals(expected, g.tokenIds());
            assertTrue(g.text().startsWith("Once upon a time"), g.text());
            System.out.printf("stories260K greedy: %d tokens, %.0f tokens/s%n", g.tokenIds().length,
                    g.tokensPerSecond());
        }
    }
}
