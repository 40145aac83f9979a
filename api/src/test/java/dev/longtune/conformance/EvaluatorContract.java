package dev.longtune.conformance;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.PluginFamily;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contract of an evaluator plugin, run on a small model and a few records the subclass provides. */
public abstract class EvaluatorContract<O> extends PluginFactoryContract<O> {

    @Override
    protected abstract EvaluatorFactory<O> factory();

    @Override
    protected PluginFamily family() {
        return PluginFamily.EVALUATOR;
    }

    /** A small model (e.g. stories260K) loaded under {@code manager}. */
    protected abstract LanguageModel model(NDManager manager) throws IOException;

    /** A few held-out records in a format {@link TestRunContext} understands ({@code auto}). */
    protected abstract List<DataRecord> records();

    @TempDir
    Path out;

    @Test
    void evaluatesWithFiniteMetricsWithoutTouchingTheModelsMemory() throws IOException {
        try (TestRunContext ctx = new TestRunContext(out); LanguageModel m = model(ctx.manager())) {
            m.manager().cap(); // an array attached to the model's manager by mistake now fails loudly
            EvaluationResult r = factory().create(sampleBound()).evaluate(new EvaluationJob(m, records(), "test", ctx));
            assertNotNull(r);
            assertTrue(!r.metrics().isEmpty(), "an evaluator reports at least one metric");
            r.metrics().forEach((k, v) -> assertTrue(v != null && !v.isNaN(), "metric " + k + " = " + v));
            for (Path p : r.artifacts()) {
                Path f = p.isAbsolute() ? p : out.resolve(p);
                assertTrue(Files.exists(f), "listed artifact missing: " + f);
            }
        }
    }
}
