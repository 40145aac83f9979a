package dev.longtune.training.stories;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.PromptCompletion;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.data.Batches;
import dev.longtune.training.data.SftBatch;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import dev.longtune.training.loop.TrainingLoop;
import dev.longtune.training.optim.AdamW;
import dev.longtune.training.optim.Gradients;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebugScratchTest {
    @TempDir
    Path out;

    @Test
    void debug() throws Exception {
        try (TestRunContext ctx = new TestRunContext(out); LanguageModel model = Stories.load(ctx.manager())) {
            SftEncoder enc = new SftEncoder(model.tokenizer(), 128, true, true);
            List<SftExample> ex = new ArrayList<>();
            for (DataRecord r : Stories.longTexts(64, 128 * 6)) ex.add(enc.encode(new PromptCompletion("", r.text("text")), r).orElseThrow());
            List<SftBatch> batches = Batches.epoch(ex, 8, 2, 42, 0);
            Map<String, NDArray> params = new SftMethod(SftOptions.defaults()).trainable(model);
            TrainingLoop loop = new TrainingLoop(TrainingConfig.defaults(), ctx);
            try (AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.01, ctx.manager())) {
                dev.longtune.training.optim.LrSchedule sch = new dev.longtune.training.optim.LrSchedule("cosine", 1e-3, 5, 20, 0.1);
                for (int s = 0; s < 8; s++) {
                    try (NDManager step = ctx.manager().newSubManager()) {
                        double loss = loop.forwardBackward(model, List.of(batches.get(s)), SftMethod.LOSS, step, s + 1);
                        List<NDArray> grads = Gradients.take(params, step);
                        int i = 0;
                        StringBuilder sb = new StringBuilder();
                        for (String n : params.keySet()) {
                            NDArray g = grads.get(i++);
                            float sq = g.square().sum().getFloat();
                            float mx = g.abs().max().getFloat();
                            boolean fin = Float.isFinite(sq);
                            if (!fin || mx > 1e3) sb.append(n).append(" sumsq=").append(sq).append(" max=").append(mx).append(" nan=").append(g.isNaN().any().getBoolean()).append('\n');
                        }
                        double nrm = dev.longtune.training.optim.GradientClipping.clip(grads, 1.0);
                        System.out.println("step " + s + " loss " + loss + " norm " + nrm + "\n" + sb);
                        opt.step(grads, sch.lr(s));
                        Gradients.zero(grads);
                    }
                }
            }
        }
    }
}
