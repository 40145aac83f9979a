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
        Boolean packing) {

    /** Without {@code packing} (false), for existing call sites. */
    public DataConfig(String train, String eval, Double evalSplit, String format, Integer maxLength,
            Boolean trainOnPrompt, Boolean addEos) {
        this(train, eval, evalSplit, format, maxLength, trainOnPrompt, addEos, null);
    }

    public DataConfig {
        evalSplit = evalSplit == null ? 0.0 : evalSplit;
        format = format == null ? "auto" : format;
        maxLength = maxLength == null ? 512 : maxLength;
        trainOnPrompt = trainOnPrompt != null && trainOnPrompt;
        addEos = addEos == null || addEos;
        packing = packing != null && packing;
    }
}
