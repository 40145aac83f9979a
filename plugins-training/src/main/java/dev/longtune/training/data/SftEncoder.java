package dev.longtune.training.data;

import dev.longtune.api.PromptCompletion;
import dev.longtune.api.TextTokenizer;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.LongtuneException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Turns a prompt/completion pair into input ids and labels for supervised fine-tuning:
 *
 * <pre>
 *   ids    = [BOS] + encode(prompt) + encode(completion) + [EOS if data.add_eos]
 *   labels = ids, with the prompt positions (BOS included) set to -100 unless data.train_on_prompt
 * </pre>
 *
 * <p><b>Prompt and completion are tokenised separately</b> and concatenated, so the loss mask falls exactly on the
 * prompt/completion boundary. Stanford Alpaca instead tokenises {@code prompt} and {@code prompt + completion} and
 * masks the first {@code len(tokens(prompt))} ids of the joint encoding; with SentencePiece-style tokenisers the two
 * can differ at the boundary (a merge across it, or the dummy-prefix space the completion gets when encoded on its
 * own), so our ids may differ from Alpaca's by a token there. Labels are not pre-shifted: the loss
 * ({@link TokenLoss#shiftedNll}) does the shift.
 *
 * <p><b>Truncation.</b> Examples longer than {@code data.max_length} (BOS and EOS included) keep their first
 * {@code max_length} tokens: the end of the completion (and its EOS) is cut, the prompt is kept. Such examples are
 * counted as truncated. When nothing of the completion survives (the prompt alone fills the budget), the example
 * would teach nothing and is skipped and counted instead.
 *
 * <p><b>Conversations</b> ({@link #encodeChat}): rendered with the model's chat template and encoded as one text;
 * only the assistant turns are labelled (TRL's {@code assistant_only_loss}) unless {@code data.train_on_prompt}.
 */
public final class SftEncoder {

    /** The label of positions that are not trained on. */
    public static final int IGNORE = (int) TokenLoss.IGNORE;

    private final TextTokenizer tokenizer;
    private final int maxLength;
    private final boolean trainOnPrompt;
    private final boolean addEos;
    private long truncated;
    private long skipped;

    public SftEncoder(TextTokenizer tokenizer, DataConfig data) {
        this(tokenizer, data.maxLength(), data.trainOnPrompt(), data.addEos());
    }

    public SftEncoder(TextTokenizer tokenizer, int maxLength, boolean trainOnPrompt, boolean addEos) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("data.max_length must be at least 2, got " + maxLength);
        }
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.trainOnPrompt = trainOnPrompt;
        this.addEos = addEos;
    }

    /** Examples truncated so far. */
    public long truncated() {
        return truncated;
    }

    /** Examples skipped so far (completion entirely truncated away, or nothing to learn). */
    public long skipped() {
        return skipped;
    }

    /** Encodes one pair; empty when the example is skipped (and counted). */
    public Optional<SftExample> encode(PromptCompletion pc, dev.longtune.api.DataRecord record) {
        int[] prompt = pc.prompt().isEmpty() ? new int[0] : tokenizer.encode(pc.prompt());
        int[] completion = pc.completion().isEmpty() ? new int[0] : tokenizer.encode(pc.completion());
        boolean bos = tokenizer.bosId().isPresent();
        boolean eos = addEos && tokenizer.eosId().isPresent();
        int promptLen = (bos ? 1 : 0) + prompt.length;
        int full = promptLen + completion.length + (eos ? 1 : 0);
        int[] ids = new int[full];
        int k = 0;
        if (bos) {
            ids[k++] = tokenizer.bosId().getAsInt();
        }
        System.arraycopy(prompt, 0, ids, k, prompt.length);
        k += prompt.length;
        System.arraycopy(completion, 0, ids, k, completion.length);
        k += completion.length;
        if (eos) {
            ids[k] = tokenizer.eosId().getAsInt();
        }
        int len = Math.min(full, maxLength);
        if (len <= promptLen) { // no completion token left (or none to begin with)
            skipped++;
            return Optional.empty();
        }
        if (len < full) {
            truncated++;
            ids = Arrays.copyOf(ids, len);
        }
        int[] labels = ids.clone();
        if (!trainOnPrompt) {
            Arrays.fill(labels, 0, promptLen, IGNORE);
        }
        SftExample ex = new SftExample(ids, labels, record);
        if (ex.lossTokens() == 0) { // e.g. a bare BOS with train_on_prompt: no position predicts anything
            skipped++;
            return Optional.empty();
        }
        return Optional.of(ex);
    }
    /**
     * Encodes one conversation rendered with {@code template}: the rendered text already carries BOS and the
     * template's special tokens as text, so it is encoded as is (no extra BOS); labels are -100 outside the
     * assistant turns unless {@code data.train_on_prompt} (TRL's {@code assistant_only_loss}). Each assistant turn's
     * span is found the HF/TRL way for templates without generation markers: the characters that
     * {@code render(messages[:i+1])} adds to {@code render(messages[:i])} (with the generation prompt on the prefix,
     * so the assistant header is not trained on). Spans map to tokens by encoding the rendered prefix: the tokens of
     * {@code encode(text[:end])} that are not in {@code encode(text[:start])}. Truncation and skipping as for pairs.
     * EOS is appended only with {@code data.add_eos} when the rendering does not already end with it.
     */
    public Optional<SftExample> encodeChat(List<ChatMessage> messages, ChatTemplate template,
            dev.longtune.api.DataRecord record) {
        String text = template.render(messages, false);
        int[] ids = tokenizer.encode(text);
        boolean[] train = new boolean[ids.length];
        for (int i = 0; i < messages.size(); i++) {
            if (!"assistant".equals(messages.get(i).role())) {
                continue;
            }
            String before = template.render(messages.subList(0, i), true);
            String upTo = template.render(messages.subList(0, i + 1), false);
            if (!upTo.startsWith(before)) {
                before = template.render(messages.subList(0, i), false);
            }
            if (!upTo.startsWith(before) || !text.startsWith(upTo)) {
                throw new LongtuneException((record == null ? "" : record.where() + ": ")
                        + "the chat template does not render conversation prefixes as prefixes; cannot locate "
                        + "assistant turn " + i + " for the loss mask");
            }
            int from = before.isEmpty() ? 0 : tokenizer.encode(before).length;
            int to = tokenizer.encode(upTo).length;
            for (int t = Math.max(0, from); t < Math.min(to, ids.length); t++) {
                train[t] = true;
            }
        }
        boolean eos = addEos && tokenizer.eosId().isPresent()
                && (ids.length == 0 || ids[ids.length - 1] != tokenizer.eosId().getAsInt());
        int full = ids.length + (eos ? 1 : 0);
        int[] all = Arrays.copyOf(ids, full);
        boolean[] mask = Arrays.copyOf(train, full);
        if (eos) {
            all[full - 1] = tokenizer.eosId().getAsInt();
            mask[full - 1] = full >= 2 && mask[full - 2];
        }
        int len = Math.min(full, maxLength);
        if (len < full) {
            truncated++;
            all = Arrays.copyOf(all, len);
        }
        int[] labels = all.clone();
        if (!trainOnPrompt) {
            for (int t = 0; t < len; t++) {
                if (!mask[t]) {
                    labels[t] = IGNORE;
                }
            }
        }
        SftExample ex = new SftExample(all, labels, record);
        if (ex.lossTokens() == 0) {
            skipped++;
            return Optional.empty();
        }
        return Optional.of(ex);
    }
}
