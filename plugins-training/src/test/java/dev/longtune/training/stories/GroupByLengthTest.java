package dev.longtune.training.stories;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.TextTokenizer;
import dev.longtune.api.data.PromptFormats;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.data.Batches;
import dev.longtune.training.data.SftBatch;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code training.group_by_length} on the quickstart data with the real stories260K tokenizer. */
class GroupByLengthTest {

    @TempDir
    Path out;

    @Test
    void lessPaddingEveryExampleOnceAndDeterministic() throws Exception {
        List<SftExample> examples = new ArrayList<>();
        try (TestRunContext ctx = new TestRunContext(out); LanguageModel model = Stories.load(ctx.manager())) {
            TextTokenizer tok = model.tokenizer();
            SftEncoder enc = new SftEncoder(tok, 256, false, true);
            for (DataRecord r : Stories.quickstart("train", 1000)) {
                enc.encode(PromptFormats.format("alpaca", r), r).ifPresent(examples::add);
            }
        }
        int batch = 4;
        long seed = 42;
        for (int epoch = 0; epoch < 2; epoch++) {
            List<SftBatch> random = Batches.epoch(examples, batch, 0, seed, epoch);
            List<SftBatch> grouped = Batches.epoch(examples, batch, 0, seed, epoch, true);
            long padRandom = Batches.paddingTokens(random);
            long padGrouped = Batches.paddingTokens(grouped);
            System.out.printf("epoch %d, %d examples, batch %d: padding %d tokens random, %d grouped by length%n",
                    epoch, examples.size(), batch, padRandom, padGrouped);
            assertTrue(padGrouped < padRandom / 2, padGrouped + " vs " + padRandom);
            assertEquals(Batches.count(examples.size(), batch), grouped.size(), "same number of batches");
            // Every example exactly once: count the source records (identity) over the epoch.
            Map<DataRecord, Integer> seen = new IdentityHashMap<>();
            for (SftBatch b : grouped) {
                for (DataRecord r : b.sources()) {
                    seen.merge(r, 1, Integer::sum);
                }
            }
            assertEquals(examples.size(), seen.size());
            assertTrue(seen.values().stream().allMatch(c -> c == 1));
            // The longest example is in the first batch.
            int longest = examples.stream().mapToInt(e -> e.ids().length).max().orElseThrow();
            assertEquals(longest, grouped.get(0).length());
            // Deterministic per (seed, epoch): rebuilding gives identical batches (what a resumed run replays).
            List<SftBatch> again = Batches.epoch(examples, batch, 0, seed, epoch, true);
            assertEquals(grouped.size(), again.size());
            for (int i = 0; i < grouped.size(); i++) {
                assertTrue(Arrays.equals(grouped.get(i).ids(), again.get(i).ids()), "batch " + i);
            }
        }
        // Different epochs (or seeds) give different orders.
        assertNotEquals(Arrays.toString(Batches.epoch(examples, batch, 0, seed, 0, true).get(1).ids()),
                Arrays.toString(Batches.epoch(examples, batch, 0, seed, 1, true).get(1).ids()));
    }

    @Test
    void configKeyAndCheckpointFingerprint() {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        dev.longtune.api.config.TrainingConfig on = json.convertValue(Map.of("group_by_length", true),
                dev.longtune.api.config.TrainingConfig.class);
        assertTrue(on.groupByLength());
        dev.longtune.api.config.TrainingConfig off = dev.longtune.api.config.TrainingConfig.defaults();
        assertEquals(false, off.groupByLength());
        // Batch order is part of what a resumed run must replay: the key is in the fingerprint when on, and absent
        // when off so checkpoints written before the key existed still match.
        Map<String, String> fOn = dev.longtune.training.checkpoint.Checkpoints.fingerprint(on, 1, 10, Map.of(), "d");
        Map<String, String> fOff = dev.longtune.training.checkpoint.Checkpoints.fingerprint(off, 1, 10, Map.of(),
                "d");
        assertEquals("true", fOn.get("group_by_length"));
        assertTrue(!fOff.containsKey("group_by_length"));
    }
}
