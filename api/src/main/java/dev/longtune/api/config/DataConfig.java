package dev.longtune.api.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The {@code data:} section.
 *
 * @param train training file (JSON array or JSONL, optionally .gz), relative to the config file
 * @param eval held-out file; when absent, the last {@code evalSplit} fraction of {@code train} is held out
 * @param evalSplit fraction of train records held out when {@code eval} is absent (0 = none)
 * @param format {@code auto} (detected per record), {@code alpaca} (instruction/input/output), {@code text}
 *     (field {@code text}), {@code prompt_completion} (fields {@code prompt}/{@code completion})
 * @param maxLength cut-off in tokens (BOS and EOS included); longer examples are truncated from the end and counted
 * @param trainOnPrompt when false (the default), prompt tokens are masked from the loss
 * @param addEos append the tokenizer's EOS to each completion (default true)
 * @param packing pack several examples per row (SFT; default false): best-fit decreasing into rows of
 *     {@code maxLength}, positions restarting at 0 per example, attention block-diagonal per example, no padding
 *     inside a row (spec D.6)
 * @param maxPromptLength cap on prompt tokens (BOS included) for training and generation; a longer prompt is cut in
 *     the middle ({@link dev.longtune.api.data.PromptTruncation#middle}), keeping the instruction at its head and the
 *     template's response marker at its tail, and counted as truncated. Null (default) = no separate cap: long
 *     examples are cut from the end to {@code maxLength}. For long-document tasks (paper → review) set it to
 *     {@code maxLength} minus the longest completion so the completion survives.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DataConfig(
        String train,
        String eval,
        Double evalSplit,
        String format,
        Integer maxLength,
        Boolean trainOnPrompt,
        Boolean addEos,
        Boolean packing,
        Integer maxPromptLength) {

    /** Without {@code packing} (false), for existing call sites. */
    public DataConfig(String train, String eval, Double evalSplit, String format, Integer maxLength,
            Boolean trainOnPrompt, Boolean addEos) {
        this(train, eval, evalSplit, format, maxLength, trainOnPrompt, addEos, null, null);
    }

    /** Without {@code maxPromptLength} (no separate cap), for existing call sites. */
    public DataConfig(String train, String eval, Double evalSplit, String format, Integer maxLength,
            Boolean trainOnPrompt, Boolean addEos, Boolean packing) {
        this(train, eval, evalSplit, format, maxLength, trainOnPrompt, addEos, packing, null);
    }

    public DataConfig {
        evalSplit = evalSplit == null ? 0.0 : evalSplit;
        format = format == null ? "auto" : format;
        maxLength = maxLength == null ? 512 : maxLength;
        trainOnPrompt = trainOnPrompt != null && trainOnPrompt;
        addEos = addEos == null || addEos;
        packing = packing != null && packing;
        if (maxPromptLength != null && (maxPromptLength < 1 || maxPromptLength >= maxLength)) {
            throw new IllegalArgumentException("data.max_prompt_length must be between 1 and data.max_length - 1 ("
                    + (maxLength - 1) + "), was " + maxPromptLength);
        }
    }
}
