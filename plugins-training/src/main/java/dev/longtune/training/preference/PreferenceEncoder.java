package dev.longtune.training.preference;

import dev.longtune.api.ChatTemplate;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.TextTokenizer;
import dev.longtune.api.data.PreferenceExample;
import dev.longtune.api.data.PreferenceRecords;
import dev.longtune.api.data.PromptTruncation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Reads preference records with {@link PreferenceRecords} and tokenises them as TRL's trainers do.
 *
 * <pre>
 *   prompt     = [BOS] + encode(prompt)
 *   completion = encode(chosen|rejected) + [EOS]   (EOS only for non-conversational records and data.add_eos;
 *                                                   a chat template already closes the assistant turn)
 *   labels     = -100 on the prompt, the ids on the completion
 * </pre>
 *
 * Prompt and completions are tokenised separately (TRL v0.19 {@code tokenize_row}; HEAD also encodes the completion
 * as the suffix after the prompt).
 *
 * <p><b>Truncation</b> follows TRL v0.19 with {@code truncation_mode="keep_start"} (HEAD's default mode): first the
 * prompt is cut to {@code max_prompt_length} tokens keeping its <em>end</em> (v0.19 {@code tokenize_row}: the
 * words next to the answer matter most; we keep the BOS in front, v0.19 drops it with the cut), then each
 * prompt + completion sequence is cut to {@code data.max_length} keeping its <em>start</em>, i.e. the completion's
 * tail (and EOS) goes. Every unit with a cut is counted as truncated; a unit left with an empty completion is
 * skipped and counted.
 *
 * <p><b>{@code data.max_prompt_length}</b> (Longtune's prompt cap, shared with SFT) replaces that first step: a
 * prompt ({@code [BOS] + encode(prompt)}, BOS included) longer than it is cut in the <em>middle</em>
 * ({@link PromptTruncation#middle}: first {@code ceil(n/2)}, last {@code floor(n/2)} tokens kept), so both the
 * instruction at its head and the template's response marker at its tail survive; then completions are cut to
 * {@code data.max_length} keeping their start as above. TRL has no middle mode: v0.19 cuts the prompt to
 * {@code max_prompt_length} keeping its end in {@code tokenize_row} whatever {@code truncation_mode} is (which only
 * picks which end of the concatenated prompt+completion survives {@code max_length}: {@code keep_start}, the
 * default, or {@code keep_end}); TRL HEAD dropped {@code max_prompt_length} and cuts only prompt+completion. With the
 * cap set, {@code method.max_prompt_length}'s keep-end cut (and its default of {@code max_length / 2}) is off;
 * setting both is refused by the method.
 */
public final class PreferenceEncoder {

    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final String format;
    private final int maxLength;
    private final int maxPromptLength;
    private final int middlePromptLength;
    private final boolean addEos;
    private long truncated;
    private long skipped;

    /**
     * @param format {@code auto} or one of {@link PreferenceRecords#NAMES}
     * @param template the model's chat template, or null
     */
    public PreferenceEncoder(TextTokenizer tokenizer, ChatTemplate template, String format, int maxLength,
            int maxPromptLength, boolean addEos) {
        this(tokenizer, template, format, maxLength, checkKeepEnd(maxPromptLength, maxLength), 0, addEos);
    }

    /**
     * @param keepEndPromptLength {@code method.max_prompt_length}: prompt tokens kept from its end (TRL v0.19);
     *     0 = no such cut
     * @param middlePromptLength {@code data.max_prompt_length}: longer prompts are cut in the middle to this many
     *     tokens; 0 = no such cut
     */
    public PreferenceEncoder(TextTokenizer tokenizer, ChatTemplate template, String format, int maxLength,
            int keepEndPromptLength, int middlePromptLength, boolean addEos) {
        if (!PreferenceRecords.NAMES.contains(format)) {
            throw new LongtuneException("data.format '" + format + "' is not a preference format; preference "
                    + "methods read " + PreferenceRecords.NAMES);
        }
        if (keepEndPromptLength != 0) {
            checkKeepEnd(keepEndPromptLength, maxLength);
        }
        if (middlePromptLength < 0 || middlePromptLength >= maxLength) {
            throw new LongtuneException("data.max_prompt_length must be in [1, data.max_length) = [1, " + maxLength
                    + "), got " + middlePromptLength);
        }
        this.tokenizer = tokenizer;
        this.template = template;
        this.format = format;
        this.maxLength = maxLength;
        this.maxPromptLength = keepEndPromptLength;
        this.middlePromptLength = middlePromptLength;
        this.addEos = addEos;
    }

    private static int checkKeepEnd(int maxPromptLength, int maxLength) {
        if (maxPromptLength < 1 || maxPromptLength >= maxLength) {
            throw new LongtuneException("method.max_prompt_length must be in [1, data.max_length) = [1, " + maxLength
                    + "), got " + maxPromptLength);
        }
        return maxPromptLength;
    }

    public long truncated() {
        return truncated;
    }

    public long skipped() {
        return skipped;
    }

    /** A preference pair (chosen first, rejected second); empty when skipped (and counted). */
    public Optional<PairExample> pair(DataRecord record) {
        PreferenceExample ex = PreferenceRecords.read(format, record, template);
        boolean eos = addEos && !conversational(record);
        return unit(ex.prompt(), ex.chosen(), ex.rejected(), eos, null, record);
    }

    /**
     * KTO examples of a record: a TRL unpaired record ({@code prompt}, {@code completion}, boolean {@code label})
     * gives one; a preference pair gives two (chosen desirable, rejected undesirable). The KL completion is filled
     * in later by {@link #withKlPartners}.
     */
    public List<PairExample> unpaired(DataRecord record) {
        List<PairExample> out = new ArrayList<>(2);
        var f = record.fields();
        if (f.has("completion") && f.has("label")) {
            if (!f.get("label").isBoolean()) {
                throw new LongtuneException(record.where() + ": field 'label' must be true (desirable) or false "
                        + "(undesirable), found " + f.get("label"));
            }
            String prompt = record.text("prompt");
            String completion = record.text("completion");
            if (prompt == null || completion == null) {
                throw new LongtuneException(record.where() + ": an unpaired KTO record needs text fields 'prompt' "
                        + "and 'completion' beside 'label'");
            }
            unit(prompt, completion, completion, addEos, f.get("label").asBoolean(), record).ifPresent(out::add);
            return out;
        }
        PreferenceExample ex = PreferenceRecords.read(format, record, template);
        boolean eos = addEos && !conversational(record);
        unit(ex.prompt(), ex.chosen(), ex.chosen(), eos, true, record).ifPresent(out::add);
        unit(ex.prompt(), ex.rejected(), ex.rejected(), eos, false, record).ifPresent(out::add);
        return out;
    }

    /**
     * KTO's mismatched KL pairs: each example's second completion becomes the (truncated) completion of another
     * example, chosen by rotating a seeded shuffle of all examples by one (TRL rotates within each batch,
     * {@code [last] + [:-1]}; fixing the partners once lets the reference log-probs be precomputed, and the
     * estimator is the same: prompts paired with unrelated completions).
     */
    public List<PairExample> withKlPartners(List<PairExample> examples, long seed) {
        if (examples.size() < 2) {
            return examples;
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed * 31 + 7));
        PairExample[] out = examples.toArray(new PairExample[0]);
        for (int k = 0; k < order.size(); k++) {
            int self = order.get(k);
            int partner = order.get((k + order.size() - 1) % order.size());
            PairExample e = examples.get(self);
            int[] c = examples.get(partner).first();
            int budget = maxLength - e.prompt().length;
            out[self] = e.withSecond(c.length > budget ? Arrays.copyOf(c, budget) : c);
        }
        return List.of(out);
    }

    private boolean conversational(DataRecord record) {
        return PreferenceRecords.isConversational(record);
    }

    private Optional<PairExample> unit(String promptText, String a, String b, boolean eos, Boolean desirable,
            DataRecord record) {
        int[] prompt = tokenizer.encode(promptText);
        if (tokenizer.bosId().isPresent() && (prompt.length == 0 || prompt[0] != tokenizer.bosId().getAsInt())) {
            int[] withBos = new int[prompt.length + 1];
            withBos[0] = tokenizer.bosId().getAsInt();
            System.arraycopy(prompt, 0, withBos, 1, prompt.length);
            prompt = withBos;
        }
        boolean cut = false;
        if (middlePromptLength > 0 && prompt.length > middlePromptLength) {
            cut = true;
            prompt = PromptTruncation.middle(prompt, middlePromptLength);
        }
        if (maxPromptLength > 0 && prompt.length > maxPromptLength) {
            cut = true;
            int[] kept = new int[maxPromptLength];
            int head = tokenizer.bosId().isPresent() ? 1 : 0;
            if (head == 1) {
                kept[0] = prompt[0];
            }
            System.arraycopy(prompt, prompt.length - (maxPromptLength - head), kept, head, maxPromptLength - head);
            prompt = kept;
        }
        int budget = maxLength - prompt.length;
        int[] first = completion(a, eos);
        int[] second = completion(b, eos);
        if (first.length == 0 || second.length == 0) {
            skipped++;
            return Optional.empty();
        }
        if (first.length > budget) {
            first = Arrays.copyOf(first, budget);
            cut = true;
        }
        if (second.length > budget) {
            second = Arrays.copyOf(second, budget);
            cut = true;
        }
        if (cut) {
            truncated++;
        }
        return Optional.of(new PairExample(prompt, first, second, desirable, -1, record));
    }

    private int[] completion(String text, boolean eos) {
        int[] ids = text.isEmpty() ? new int[0] : tokenizer.encode(text);
        if (eos && tokenizer.eosId().isPresent()) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = tokenizer.eosId().getAsInt();
        }
        return ids;
    }
}
