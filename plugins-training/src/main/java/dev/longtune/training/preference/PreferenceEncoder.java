package dev.longtune.training.preference;

import dev.longtune.api.ChatTemplate;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.TextTokenizer;
import dev.longtune.api.data.PreferenceExample;
import dev.longtune.api.data.PreferenceRecords;
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
 */
public final class PreferenceEncoder {

    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final String format;
    private final int maxLength;
    private final int maxPromptLength;
    private final boolean addEos;
    private long truncated;
    private long skipped;

    /**
     * @param format {@code auto} or one of {@link PreferenceRecords#NAMES}
     * @param template the model's chat template, or null
     */
    public PreferenceEncoder(TextTokenizer tokenizer, ChatTemplate template, String format, int maxLength,
            int maxPromptLength, boolean addEos) {
        if (!PreferenceRecords.NAMES.contains(format)) {
            throw new LongtuneException("data.format '" + format + "' is not a preference format; preference "
                    + "methods read " + PreferenceRecords.NAMES);
        }
        if (maxPromptLength < 1 || maxPromptLength >= maxLength) {
            throw new LongtuneException("method.max_prompt_length must be in [1, data.max_length) = [1, " + maxLength
                    + "), got " + maxPromptLength);
        }
        this.tokenizer = tokenizer;
        this.template = template;
        this.format = format;
        this.maxLength = maxLength;
        this.maxPromptLength = maxPromptLength;
        this.addEos = addEos;
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
        if (prompt.length > maxPromptLength) {
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
