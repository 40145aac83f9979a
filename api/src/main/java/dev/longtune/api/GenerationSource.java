package dev.longtune.api;

import dev.longtune.api.data.PromptTruncation;
import java.util.ArrayList;
import java.util.List;

/**
 * Produces the model's answers to held-out records with the run's generation settings. Evaluators that score
 * generations (rouge, bleu, judge, review_structure …) ask this instead of generating themselves: the host's source
 * caches per phase, so one generation pass serves every evaluator of that phase and {@code samples.jsonl}.
 */
@FunctionalInterface
public interface GenerationSource {

    /** The answers, one per record, in the order given. */
    List<GeneratedText> generate(List<DataRecord> records);

    /**
     * A source without a cache: formats each record with {@code context.format}, cuts prompts that do not fit
     * {@code model.contextLength() - maxNewTokens} in the middle ({@link PromptTruncation#middle}), and decodes.
     */
    static GenerationSource direct(LanguageModel model, RunContext context, GenerationOptions options) {
        return records -> {
            List<GeneratedText> out = new ArrayList<>(records.size());
            for (DataRecord r : records) {
                out.add(answer(model, context, options, r, null).text());
            }
            return out;
        };
    }

    /** One record's answer, with the decoding run behind it (its timing, its raw ids). */
    record Answer(GeneratedText text, Generation generation) {}

    /**
     * The model's answer to one record: the prompt from {@code context.format}, BOS added, cut in the middle to the
     * context window minus {@code options.maxNewTokens()} (and to {@code maxPromptTokens} when given: what training
     * saw with {@code data.max_prompt_length}), decoded with {@code options}, a final EOS left out of the text.
     */
    static Answer answer(LanguageModel model, RunContext context, GenerationOptions options, DataRecord record,
            Integer maxPromptTokens) {
        PromptCompletion pc = context.format(record);
        int[] ids = model.tokenizer().encodeWithBos(pc.prompt());
        int budget = Math.max(1, model.contextLength() - options.maxNewTokens());
        if (maxPromptTokens != null) {
            budget = Math.min(budget, maxPromptTokens);
        }
        int[] kept = PromptTruncation.middle(ids, budget);
        Generation g = model.generate(kept, options, LanguageModel.TokenListener.NONE);
        int n = g.tokenIds().length;
        if (n > 0 && options.stopAtEos() && model.tokenizer().eosId().isPresent()
                && g.tokenIds()[n - 1] == model.tokenizer().eosId().getAsInt()) {
            n--;
        }
        String output = model.tokenizer().decode(java.util.Arrays.copyOf(g.tokenIds(), n));
        return new Answer(new GeneratedText(record, pc.prompt(), pc.completion(), output, kept.length,
                g.tokenIds().length, kept.length < ids.length), g);
    }
}
