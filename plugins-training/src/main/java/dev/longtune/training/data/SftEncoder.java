package dev.longtune.training.data;

import dev.longtune.api.PromptCompletion;
import dev.longtune.api.TextTokenizer;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.data.PromptTruncation;
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
 * <p><b>Prompt cap</b> ({@code data.max_prompt_length}, off by default). A prompt of more tokens ({@code [BOS] +
 * encode(prompt)}, BOS included) is first cut in the middle to that many tokens ({@link PromptTruncation#middle}:
 * its first {@code ceil(n/2)} and last {@code floor(n/2)} tokens survive, so the instruction at its head and the
 * template's response marker at its tail are kept), and only then is the {@code max_length} rule applied. Without it
 * a paper→review example whose 8K-token paper fills {@code max_length} loses its whole review and is skipped; with
 * {@code max_prompt_length = max_length - longest review} it is trained on with its full review. An example whose
 * prompt is cut is counted as truncated (once, even if the {@code max_length} rule cuts it too). With
 * {@code data.train_on_prompt} the token right after the cut is not a target: it would be predicted across the
 * cut, from text it never followed.
 *
 * <p><b>Conversations</b> ({@link #encodeChat}): rendered with the model's chat template and encoded as one text;
 * only the assistant turns are labelled (TRL's {@code assistant_only_loss}) unless {@code data.train_on_prompt}.
 * For the prompt cap, a conversation's prompt is everything rendered before the <em>last</em> assistant turn's
 * labelled span (system and user turns, earlier assistant turns, and the last turn's generation header); it is cut
 * in the middle like a pair's prompt, the last assistant turn and anything after it are kept whole. Earlier assistant
 * turns that survive the cut stay labelled, except the one token right after the cut. A conversation without an
 * assistant turn has no prompt/completion split and is not capped.
 */
public final class SftEncoder {

    /** The label of positions that are not trained on. */
    public static final int IGNORE = (int) TokenLoss.IGNORE;

    private final TextTokenizer tokenizer;
    private final int maxLength;
    private final boolean trainOnPrompt;
    private final boolean addEos;
    private final int maxPromptLength;
    private long truncated;
    private long skipped;

    public SftEncoder(TextTokenizer tokenizer, DataConfig data) {
        this(tokenizer, data.maxLength(), data.trainOnPrompt(), data.addEos(),
                data.maxPromptLength() == null ? 0 : data.maxPromptLength());
    }

    /** Without a prompt cap. */
    public SftEncoder(TextTokenizer tokenizer, int maxLength, boolean trainOnPrompt, boolean addEos) {
        this(tokenizer, maxLength, trainOnPrompt, addEos, 0);
    }

    /**
     * @param maxPromptLength {@code data.max_prompt_length}: prompts of more tokens (BOS included) are cut in the
     *     middle to this many; 0 = no cap
     */
    public SftEncoder(TextTokenizer tokenizer, int maxLength, boolean trainOnPrompt, boolean addEos,
            int maxPromptLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("data.max_length must be at least 2, got " + maxLength);
        }
        if (maxPromptLength < 0 || maxPromptLength >= maxLength) {
            throw new IllegalArgumentException("data.max_prompt_length must be between 1 and data.max_length - 1 ("
                    + (maxLength - 1) + "), was " + maxPromptLength);
        }
        this.maxPromptLength = maxPromptLength;
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
        int[] text = pc.prompt().isEmpty() ? new int[0] : tokenizer.encode(pc.prompt());
        int[] completion = pc.completion().isEmpty() ? new int[0] : tokenizer.encode(pc.completion());
        boolean bos = tokenizer.bosId().isPresent();
        boolean eos = addEos && tokenizer.eosId().isPresent();
        int[] prompt = new int[(bos ? 1 : 0) + text.length];
        if (bos) {
            prompt[0] = tokenizer.bosId().getAsInt();
        }
        System.arraycopy(text, 0, prompt, bos ? 1 : 0, text.length);
        int cutAt = -1; // index of the first token after a prompt cut
        if (maxPromptLength > 0 && prompt.length > maxPromptLength) {
            prompt = PromptTruncation.middle(prompt, maxPromptLength);
            cutAt = (maxPromptLength + 1) / 2;
        }
        int promptLen = prompt.length;
        int full = promptLen + completion.length + (eos ? 1 : 0);
        int[] ids = Arrays.copyOf(prompt, full);
        System.arraycopy(completion, 0, ids, promptLen, completion.length);
        if (eos) {
            ids[full - 1] = tokenizer.eosId().getAsInt();
        }
        int len = Math.min(full, maxLength);
        if (len <= promptLen) { // no completion token left (or none to begin with)
            skipped++;
            return Optional.empty();
        }
        if (len < full) {
            ids = Arrays.copyOf(ids, len);
        }
        if (len < full || cutAt >= 0) {
            truncated++;
        }
        int[] labels = ids.clone();
        if (!trainOnPrompt) {
            Arrays.fill(labels, 0, promptLen, IGNORE);
        } else if (cutAt > 0 && cutAt < promptLen) {
            labels[cutAt] = IGNORE; // predicted across the cut
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
        int lastFrom = -1; // first token of the last assistant turn's labelled span
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
            lastFrom = Math.min(Math.max(0, from), ids.length);
        }
        boolean promptCut = false;
        if (maxPromptLength > 0 && lastFrom > maxPromptLength) {
            // The prompt (everything before the last assistant turn) is cut in the middle, ids and mask alike.
            int[] index = new int[lastFrom];
            for (int t = 0; t < lastFrom; t++) {
                index[t] = t;
            }
            int[] kept = PromptTruncation.middle(index, maxPromptLength);
            int rest = ids.length - lastFrom;
            int[] cutIds = new int[kept.length + rest];
            boolean[] cutTrain = new boolean[kept.length + rest];
            for (int t = 0; t < kept.length; t++) {
                cutIds[t] = ids[kept[t]];
                cutTrain[t] = train[kept[t]];
            }
            System.arraycopy(ids, lastFrom, cutIds, kept.length, rest);
            System.arraycopy(train, lastFrom, cutTrain, kept.length, rest);
            if (maxPromptLength >= 2) { // some tail kept: its first token is predicted across the cut
                cutTrain[(maxPromptLength + 1) / 2] = false;
            }
            ids = cutIds;
            train = cutTrain;
            promptCut = true;
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
        if (len < full || promptCut) {
            truncated++;
        }
        if (len < full) {
            all = Arrays.copyOf(all, len);
        }
        int[] labels = all.clone();
        if (trainOnPrompt && promptCut && maxPromptLength >= 2) {
            labels[(maxPromptLength + 1) / 2] = IGNORE; // predicted across the cut
        }
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
