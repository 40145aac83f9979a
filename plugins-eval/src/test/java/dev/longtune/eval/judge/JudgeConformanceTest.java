package dev.longtune.eval.judge;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.conformance.EvaluatorContract;
import dev.longtune.eval.Stories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * The built-in {@code judge} keeps the conformance kit's evaluator contract: the real stories260K answers a
 * held-out question, and a scripted judge on loopback (the remote judge is outside the product) judges it.
 */
class JudgeConformanceTest extends EvaluatorContract<JudgeOptions> {

    private static final ScriptedEndpoint JUDGE;

    static {
        try {
            JUDGE = new ScriptedEndpoint(JudgeRun.prefersMarker());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        JUDGE.close();
    }

    @Override
    protected EvaluatorFactory<JudgeOptions> factory() {
        return new JudgeFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"base_url\": \"" + JUDGE.baseUrl() + "\", \"model\": \"gpt-4\", \"concurrency\": 2}");
    }

    @Override
    protected LanguageModel model(NDManager manager) throws IOException {
        return Stories.load(manager);
    }

    @Override
    protected List<DataRecord> records() {
        return JudgeRun.records(1, true); // one: generating 256 tokens with stories260K is the slow part
    }
}
