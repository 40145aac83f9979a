package dev.longtune.training.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.AttentionPattern;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.llama.LlamaArchitecture;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A context extension's {@link ContextExtension#trainableParameters()} (LongLoRA: "embed", "norm") are trained on top
 * of what the SFT options choose: with {@code train_embeddings=false, freeze_layers=4} on stories260K (5 layers,
 * tied embedding), one S²-Attn training step gives the embedding and the norms of the frozen layers a non-zero
 * gradient when the extension declares them, and leaves them frozen (no gradient) when it does not.
 */
class ContextTrainablesTest {

    private static final long[] IDS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};

    /** Stands in for the context plugin's longlora: S²-Attn in training, optionally embed/norm trainable. */
    private record LongLoraLike(List<String> trainables) implements ContextExtension {
        @Override
        public String name() {
            return "longlora-test";
        }

        @Override
        public RopeScaling ropeScaling(RopeParameters rope) {
            return RopeScaling.none(rope);
        }

        @Override
        public int extendedMaxPositions(int originalMaxPositions) {
            return originalMaxPositions;
        }

        @Override
        public Map<String, Object> hfRopeScaling(RopeParameters rope) {
            return Map.of();
        }

        @Override
        public AttentionPattern attention(boolean training) {
            return training ? new AttentionPattern.ShiftedSparse(0.25, false) : AttentionPattern.CAUSAL;
        }

        @Override
        public List<String> trainableParameters() {
            return trainables;
        }
    }

    private static LanguageModel load(NDManager root, ContextExtension ext) throws Exception {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().load(new dev.longtune.api.NoOptions(),
                new ModelLoadRequest(dir, config, ext, DataType.FLOAT32, Device.cpu(), root));
    }

    /** Marks the trainables, runs one forward+backward, returns |gradient| sums of the parameters that have one. */
    private static Map<String, Double> oneStep(LanguageModel model, NDManager root) {
        SftMethod method = new SftMethod(new SftOptions(false, 4));
        Map<String, NDArray> trainable = method.trainable(model);
        Map<String, Double> out = new LinkedHashMap<>();
        try (NDManager step = root.newSubManager()) {
            NDArray in = step.create(IDS, new Shape(1, IDS.length));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = model.forward(ForwardInput.training(in));
                gc.backward(TokenLoss.shiftedNll(logits, in).mean());
            }
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                if (e.getValue().hasGradient()) {
                    try (NDArray g = e.getValue().getGradient()) {
                        out.put(e.getKey(), (double) g.abs().sum().getFloat());
                    }
                }
            }
        } finally {
            trainable.values().forEach(p -> p.setRequiresGradient(false));
        }
        assertEquals(trainable.keySet(), out.keySet(), "exactly the trainables have gradients");
        return out;
    }

    @Test
    void extensionTrainablesAreTrainedOnTopOfTheMethodsChoice() throws Exception {
        Set<String> frozenByOptions = Set.of("model.embed_tokens.weight", "model.layers.0.input_layernorm.weight",
                "model.layers.3.post_attention_layernorm.weight");
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            Map<String, Double> with;
            Map<String, Double> without;
            try (LanguageModel model = load(root, new LongLoraLike(List.of("embed", "norm")))) {
                with = oneStep(model, root);
            }
            try (LanguageModel model = load(root, new LongLoraLike(List.of()))) {
                without = oneStep(model, root);
            }
            System.out.println("with embed,norm declared: " + with.size() + " trainable tensors, |grad| of "
                    + "embed_tokens " + with.get("model.embed_tokens.weight") + ", layers.0.input_layernorm "
                    + with.get("model.layers.0.input_layernorm.weight") + "; without: " + without.size()
                    + " tensors");
            for (String name : frozenByOptions) {
                assertTrue(with.containsKey(name) && with.get(name) > 0, name + " gets a gradient: " + with.get(name));
                assertFalse(without.containsKey(name), name + " stays frozen without the declaration");
            }
            // Every norm (5 layers x 2, plus the final one) trains with the declaration; the frozen layers' weights
            // do not.
            assertEquals(11, with.keySet().stream().filter(n -> n.contains("norm")).count());
            assertFalse(with.containsKey("model.layers.0.self_attn.q_proj.weight"));
            // The method's own choice is kept in both: the last layer and the final norm.
            for (Map<String, Double> m : List.of(with, without)) {
                assertTrue(m.get("model.layers.4.mlp.down_proj.weight") > 0);
                assertTrue(m.get("model.norm.weight") > 0);
            }
            // 9 weights of layer 4 + final norm; plus embedding and the 8 norms of layers 0-3.
            assertEquals(10, without.size());
            assertEquals(19, with.size());
        }
    }
}
