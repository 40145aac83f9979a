package dev.longtune.api;

/**
 * An error the user can fix: bad config, missing or corrupt file, mismatched tokenizer. The message names the
 * culprit (file, tensor, YAML path and line) and says what to do; the CLI prints it without a stack trace and exits
 * non-zero. Anything else that escapes is a bug in Longtune or a plugin.
 */
public class LongtuneException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LongtuneException(String message) {
        super(message);
    }

    public LongtuneException(String message, Throwable cause) {
        super(message, cause);
    }
}
