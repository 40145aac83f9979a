package dev.longtune.training.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.StoryData;
import dev.longtune.training.TinyLm;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SFT with {@code training.group_by_length}: a run resumed from a checkpoint replays the same grouped batches. */
class GroupByLengthResumeTest {

    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<Double> run(Path out, String resume) throws Exception {
        DataConfig data = JSON.convertValue(Map.of("max_length", 512), DataConfig.class);
        Map<String, Object> t = new HashMap<>(Map.of("max_steps", 9, "batch_size", 4, "learning_rate", 1e-2,
                "lr_scheduler", "cosine", "log_every", 1, "save_every", 2, "keep_checkpoints", 0,
                "group_by_length", true));
        if (resume != null) {
            t.put("resume_from_checkpoint", resume);
        }
        TrainingConfig cfg = JSON.convertValue(t, TrainingConfig.class);
        try (TestRunContext ctx = new TestRunContext(out); TinyLm model = new TinyLm(ctx.manager(), 8, 3)) {
            // 22 records, batch 4: 6 micro-batches (5 full and a 2) per epoch, so 9 steps cross into epoch 2.
            TrainingOutcome o = new SftMethod(SftOptions.defaults()).train(new TrainingJob(model,
                    StoryData.records(0, 22), List.of(), data, cfg, ctx));
            assertEquals(9, o.steps());
            return ctx.rows("train").stream().map(r -> (Double) r.get("loss")).toList();
        }
    }

    @Test
    void resumedRunReplaysTheGroupedBatches() throws Exception {
        List<Double> full = run(tmp.resolve("full"), null);
        assertEquals(9, full.size());
        Path ck = tmp.resolve("full/checkpoints/step-4");
        assertTrue(Files.isDirectory(ck));
        List<Double> resumed = run(tmp.resolve("resumed"), ck.toString());
        assertEquals(full.subList(4, 9), resumed, "steps 5..9 bit for bit");
        Path ck8 = tmp.resolve("full/checkpoints/step-8");
        assertEquals(full.subList(8, 9), run(tmp.resolve("resumed8"), ck8.toString()), "across the epoch edge");
    }
}
