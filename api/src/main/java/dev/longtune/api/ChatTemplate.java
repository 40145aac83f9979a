package dev.longtune.api;

import java.util.List;

/**
 * Renders a conversation as the text a chat model was trained on: the checkpoint's own Jinja
 * {@code chat_template} from {@code tokenizer_config.json} when it has one, else its family's default.
 * The rendered text already contains the template's special tokens (BOS, turn markers) as text; encode it with
 * {@link TextTokenizer#encode} (no BOS added twice).
 */
public interface ChatTemplate {

    /**
     * @param addGenerationPrompt end with the header that asks the model for the next assistant turn
     * @throws LongtuneException when the template rejects the conversation (e.g. roles that do not alternate, a
     *     system turn the model has no place for)
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** Where the template came from, for messages and manifests: a file, or "default template for llama3". */
    String source();
}
