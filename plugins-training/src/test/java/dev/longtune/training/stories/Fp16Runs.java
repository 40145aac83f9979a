package dev.longtune.training.stories;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.RunContext;
import dev.longtune.api.config.DataConfig;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.llama.LlamaArchitecture;
import dev.longtune.training.data.Batches;
import dev.longtune.training.data.SftBatch;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import dev.longtune.training.loop.BatchSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** stories260K loaded in a chosen dtype, and SFT batches of the quickstart data, for driving the loop directly. */
final class Fp16Runs {

    private Fp16Runs() {}

    static LanguageModel load(NDManager parent, DataType dtype) throws IOException {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().loadLlama(new ModelLoadRequest(dir, config, null, dtype, Device.cpu(),
                parent));
    }

    /** The first {@code records} quickstart training records as SFT micro-batches, shuffled per (seed, epoch). */
    static BatchSource<SftBatch> source(LanguageModel model, RunContext ctx, int records, int batch, int maxLength) {
        DataConfig data = new DataConfig(null, null, null, "alpaca", maxLength, null, null);
        SftEncoder enc = new SftEncoder(model.tokenizer(), data);
        List<SftExample> examples = new ArrayList<>();
        for (DataRecord r : Stories.quickstart("train", records)) {
            enc.encode(ctx.format(r), r).ifPresent(examples::add);
        }
        int pad = Batches.padId(model.tokenizer());
        return new BatchSource<>() {
            @Override
            public int batchesPerEpoch() {
                return Batches.count(examples.size(), batch);
            }

            @Override
            public List<SftBatch> epoch(int epoch) {
                return Batches.epoch(examples, batch, pad, ctx.seed(), epoch);
            }
        };
    }
}
