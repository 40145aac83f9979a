package dev.longtune.eval.review;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.conformance.EvaluatorContract;
import dev.longtune.eval.Stories;
import java.io.IOException;
import java.util.List;

/** The built-in {@code review_structure} keeps the conformance kit's evaluator contract on the real stories260K. */
class ReviewStructureConformanceTest extends EvaluatorContract<ReviewStructureOptions> {

    @Override
    protected EvaluatorFactory<ReviewStructureOptions> factory() {
        return new ReviewStructureFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"max_records\": 2, \"min_chars\": 10}");
    }

    @Override
    protected LanguageModel model(NDManager manager) throws IOException {
        return Stories.load(manager);
    }

    @Override
    protected List<DataRecord> records() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode a = m.createObjectNode().put("instruction", "Review the paper.").put("input", "Title: Cats")
                .put("output", "Strengths: a novel idea. Weaknesses: unclear. The authors should add tests.");
        ObjectNode b = m.createObjectNode().put("instruction", "Review the paper.").put("input", "Title: Dogs")
                .put("output", "Fine.");
        return List.of(new DataRecord("reviews.jsonl", 1, a), new DataRecord("reviews.jsonl", 2, b),
                new DataRecord("reviews.jsonl", 3, b));
    }
}
