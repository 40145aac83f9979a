package dev.longtune.serve;

import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LanguageModel;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * A stand-in for the external judge LLM (GPT-4 in a real run), served by the real {@link OpenAiServer}: it reads the
 * chat prompt the server rendered with the model's template (decoded with the real stories260K tokenizer) and
 * answers with whatever its script makes of it. Every prompt it is asked is recorded, so a test counts the requests
 * that reached the model on the server side. Only the judge's answers are scripted; the server, the judge's HTTP
 * client and the evaluator are the product's.
 */
final class ScriptedJudge extends DelegatingModel {

    /** The system prompt of FastChat's pair-v2 alone is longer than stories260K's 512 positions; GPT-4's is not. */
    static final int CONTEXT = 8192;

    final List<String> prompts = new CopyOnWriteArrayList<>();
    private final AtomicReference<UnaryOperator<String>> script;

    ScriptedJudge(LanguageModel real, UnaryOperator<String> script) {
        super(real);
        this.script = new AtomicReference<>(script);
    }

    /** Replaces the script, e.g. with one that fails the test if it is ever asked again. */
    void script(UnaryOperator<String> next) {
        script.set(next);
    }

    @Override
    public int contextLength() {
        return CONTEXT;
    }

    @Override
    public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
        String prompt = tokenizer().decode(promptIds);
        prompts.add(prompt);
        int[] ids = tokenizer().encode(script.get().apply(prompt));
        ids = Arrays.copyOf(ids, Math.min(ids.length, options.maxNewTokens()));
        return new Generation(ids, tokenizer().decode(ids), promptIds.length, 1);
    }

    /** Always "[[A]]": whatever stands first wins each game, so the swap must turn every item into a tie. */
    static UnaryOperator<String> alwaysA() {
        return prompt -> "[[A]]";
    }

    /** Prefers the answer that carries {@code marker}, with a rationale first as GPT-4 writes it; a tie otherwise. */
    static UnaryOperator<String> prefers(String marker) {
        return prompt -> {
            JudgePrompt p = JudgePrompt.parse(prompt);
            boolean a = p.answerA().contains(marker);
            boolean b = p.answerB().contains(marker);
            String verdict = a && !b ? "[[A]]" : b && !a ? "[[B]]" : "[[C]]";
            return "Marker seen. " + verdict;
        };
    }
}
