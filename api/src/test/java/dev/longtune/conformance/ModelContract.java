package dev.longtune.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.KvCache;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.PluginFamily;
import dev.longtune.api.config.OptionsBinder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contract of a model-architecture plugin, run on a small checkpoint the subclass provides. */
public abstract class ModelContract<O> extends PluginFactoryContract<O> {

    @Override
    protected abstract ModelArchitecture<O> factory();

    @Override
    protected PluginFamily family() {
        return PluginFamily.MODEL;
    }

    /** A small Hugging Face checkpoint folder of this architecture. */
    protected abstract Path checkpoint() throws IOException;

    @TempDir
    Path tmp;

    protected LanguageModel load(Path dir, NDManager manager) throws IOException {
        ObjectNode config = (ObjectNode) OptionsBinder.MAPPER.readTree(dir.resolve("config.json").toFile());
        return factory().load(sampleBound(), new ModelLoadRequest(dir, config, null, DataType.FLOAT32, Device.cpu(),
                manager));
    }

    @Test
    void forwardGivesOneRowOfLogitsPerTokenAndTheCacheAgrees() throws IOException {
        try (NDManager root = NDManager.newBaseManager(); LanguageModel m = load(checkpoint(), root)) {
            int t = 12;
            int v = m.config().vocabSize();
            m.manager().cap();
            try (NDManager step = root.newSubManager()) {
                long[] ids = new long[t];
                for (int i = 0; i < t; i++) {
                    ids[i] = (i * 7 + 3) % Math.min(v, m.tokenizer().vocabSize());
                }
                NDArray input = step.create(ids, new Shape(1, t));
                NDArray full = m.forward(ForwardInput.of(input));
                assertEquals(new Shape(1, t, v), full.getShape());
                assertEquals(DataType.FLOAT32, full.getDataType());
                try (KvCache cache = m.newCache(1, t)) {
                    for (int i = 0; i < t; i++) {
                        NDArray one = m.forward(ForwardInput.cached(input.get(new NDIndex(":, {}:{}", i, i + 1)), cache));
                        float[] a = one.toFloatArray();
                        float[] b = full.get(new NDIndex(":, {}:{}, :", i, i + 1)).toFloatArray();
                        assertArrayEquals(b, a, 1e-4f, "cached logits differ from the full pass at position " + i);
                    }
                    assertEquals(t, cache.length());
                }
            }
        }
    }

    @Test
    void savedCheckpointLoadsBackBitIdentically() throws IOException {
        try (NDManager root = NDManager.newBaseManager(); LanguageModel m = load(checkpoint(), root)) {
            Path out = tmp.resolve("saved");
            m.save(out);
            try (LanguageModel again = load(out, root)) {
                Map<String, NDArray> a = m.parameters();
                Map<String, NDArray> b = again.parameters();
                assertEquals(a.keySet(), b.keySet());
                for (String k : a.keySet()) {
                    assertTrue(a.get(k).contentEquals(b.get(k)), "parameter " + k + " changed on save/load");
                }
            }
        }
    }
}
