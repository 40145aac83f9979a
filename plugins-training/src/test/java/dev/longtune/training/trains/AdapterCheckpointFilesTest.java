package dev.longtune.training.trains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.conformance.Fixtures;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.models.llama.LlamaArchitecture;
import dev.longtune.training.checkpoint.Checkpoints;
import dev.longtune.training.checkpoint.TensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Prepared.writeCheckpointFiles}: an adapter strategy's checkpoint folder is a PEFT adapter folder too — the
 * same {@code adapter_config.json} as the run's {@code adapter/}, and an {@code adapter_model.safetensors} that the
 * model's own PEFT merger (plugins-models, independent of the training plugin's merge) folds into exactly the model
 * the training plugin's merge gives. Full/freeze checkpoints get nothing.
 */
class AdapterCheckpointFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aLoraCheckpointLinksItsTensorsAsThePeftAdapterFile() throws Exception {
        try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca");
                LanguageModel model = load(ctx.manager(), null);
                TrainableStrategy.Prepared p = LoraStrategyTest.strategy("{\"type\": \"dora\", \"r\": 4, "
                        + "\"alpha\": 8, \"target_modules\": \"all-linear\"}").prepare(model, ctx)) {
            perturb(p, ctx.manager());
            Path folder = checkpoint(p, "step-1");
            assertTrue(Files.isSameFile(folder.resolve(Checkpoints.TRAINABLE),
                    folder.resolve("adapter_model.safetensors")), "a hard link: no second copy on disk");
            p.export(tmp.resolve("adapter"));
            assertEquals(Files.readString(tmp.resolve("adapter/adapter_config.json")),
                    Files.readString(folder.resolve("adapter_config.json")));
            assertEquals(LoraStrategyTest.safetensorsKeys(tmp.resolve("adapter/adapter_model.safetensors")).keySet(),
                    LoraStrategyTest.safetensorsKeys(folder.resolve("adapter_model.safetensors")).keySet(),
                    "exactly PEFT's keys");
            assertMergesLikeTheTrainingPlugin(model, p, folder, null, ctx.manager());
        }
    }

    /**
     * LongLoRA: the extension's embeddings and norms train too; the checkpoint keeps them under their Hugging Face
     * names (resuming needs those), so the adapter file is written apart, with them under PEFT's keys.
     */
    @Test
    void aLongLoraCheckpointWritesItsExtraTrainablesUnderPeftKeys() throws Exception {
        try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca");
                LanguageModel model = load(ctx.manager(), new EmbedNormExtension());
                TrainableStrategy.Prepared p = LoraStrategyTest.strategy("{\"type\": \"lora\", \"r\": 8, "
                        + "\"alpha\": 16, \"target_modules\": [\"q_proj\", \"v_proj\"]}").prepare(model, ctx)) {
            perturb(p, ctx.manager());
            Path folder = checkpoint(p, "step-1");
            assertFalse(Files.isSameFile(folder.resolve(Checkpoints.TRAINABLE),
                    folder.resolve("adapter_model.safetensors")));
            Map<String, TensorFile.Tensor> adapter = TensorFile.read(folder.resolve("adapter_model.safetensors"));
            p.export(tmp.resolve("adapter"));
            Map<String, TensorFile.Tensor> exported = TensorFile.read(tmp.resolve("adapter/adapter_model.safetensors"));
            assertEquals(exported.keySet(), adapter.keySet(), "the keys of the run's adapter/");
            assertTrue(adapter.containsKey("base_model.model.model.embed_tokens.weight"));
            for (String k : exported.keySet()) {
                assertTrue(java.util.Arrays.equals(exported.get(k).data(), adapter.get(k).data()), k);
            }
            assertEquals(Files.readString(tmp.resolve("adapter/adapter_config.json")),
                    Files.readString(folder.resolve("adapter_config.json")));
            assertMergesLikeTheTrainingPlugin(model, p, folder, new EmbedNormExtension(), ctx.manager());
        }
    }

    @Test
    void fullAndFreezeCheckpointsGetNoExtraFiles() throws Exception {
        try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca");
                LanguageModel model = load(ctx.manager(), null);
                TrainableStrategy.Prepared p = LoraStrategyTest.strategy("{\"type\": \"freeze\", "
                        + "\"trainable_layers\": 1}").prepare(model, ctx)) {
            Path folder = checkpoint(p, "step-1");
            try (Stream<Path> s = Files.list(folder)) {
                assertEquals(List.of(Checkpoints.TRAINABLE), s.map(f -> f.getFileName().toString()).toList());
            }
        }
    }

    /** A second model with the checkpoint folder merged by plugins-models equals the first merged by the strategy. */
    private void assertMergesLikeTheTrainingPlugin(LanguageModel model, TrainableStrategy.Prepared p, Path folder,
            ContextExtension extension, NDManager manager) throws IOException {
        try (LanguageModel other = load(manager, extension)) {
            other.mergeAdapter(folder);
            p.merge();
            double worst = 0;
            double changed = 0;
            try (LanguageModel base = load(manager, extension)) {
                for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                    float[] want = e.getValue().toFloatArray();
                    worst = Math.max(worst, LoraStrategyTest.maxAbsDiff(want,
                            other.parameters().get(e.getKey()).toFloatArray()));
                    changed = Math.max(changed, LoraStrategyTest.maxAbsDiff(want,
                            base.parameters().get(e.getKey()).toFloatArray()));
                }
            }
            System.out.printf("checkpoint merge vs training merge: max |diff| %.3g (training moved weights by up to "
                    + "%.3g)%n", worst, changed);
            assertTrue(changed > 1e-3, "the perturbed adapter changes the model: " + changed);
            assertTrue(worst < 1e-5, "same merged weights: " + worst);
        }
    }

    /** Writes the trainables as a checkpoint does, then the strategy's files, into a fresh folder. */
    private Path checkpoint(TrainableStrategy.Prepared p, String name) throws IOException {
        Path folder = Files.createDirectories(tmp.resolve(name));
        TensorFile.write(folder.resolve(Checkpoints.TRAINABLE), p.trainable(), Checkpoints.trainableMetadata(1));
        p.writeCheckpointFiles(folder);
        return folder;
    }

    /** Moves every trainable away from its initial value (B starts at zero, which would merge to nothing). */
    private static void perturb(TrainableStrategy.Prepared p, NDManager root) {
        try (NDManager m = root.newSubManager()) {
            for (NDArray a : p.trainable().values()) {
                a.addi(m.randomNormal(0f, 0.05f, a.getShape(), a.getDataType()));
            }
        }
    }

    private static LanguageModel load(NDManager parent, ContextExtension extension) throws IOException {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().loadLlama(
                new ModelLoadRequest(dir, config, extension, DataType.FLOAT32, Device.cpu(), parent));
    }
}
