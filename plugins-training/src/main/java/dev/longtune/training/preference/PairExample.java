package dev.longtune.training.preference;

import dev.longtune.api.DataRecord;

/**
 * One encoded preference unit: a prompt and two completions that are scored side by side.
 *
 * <ul>
 *   <li>DPO, IPO, ORPO, SimPO: {@code first} is the chosen completion, {@code second} the rejected one.
 *   <li>KTO: {@code first} is the example's own completion (desirable or not, see {@link #desirable}) and
 *       {@code second} the mismatched completion of another example used for the KL reference point.
 * </ul>
 *
 * @param prompt prompt ids, BOS first when the tokenizer has one
 * @param first completion ids (EOS appended for non-conversational records when {@code data.add_eos})
 * @param second completion ids
 * @param desirable KTO only: whether {@code first} is a desirable completion; null for pairs
 * @param index position of this unit in the run's reference log-prob table
 * @param record the record it came from, for messages
 */
public record PairExample(int[] prompt, int[] first, int[] second, Boolean desirable, int index, DataRecord record) {

    /** Non-padding tokens of both sequences. */
    long inputTokens() {
        return 2L * prompt.length + first.length + second.length;
    }

    PairExample withIndex(int i) {
        return new PairExample(prompt, first, second, desirable, i, record);
    }

    PairExample withSecond(int[] s) {
        return new PairExample(prompt, first, s, desirable, index, record);
    }
}
