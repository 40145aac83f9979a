package dev.longtune.eval.judge;

import java.util.List;

/**
 * FastChat's {@code pair-v2} judge prompt, verbatim from {@code lm-sys/FastChat}
 * {@code fastchat/llm_judge/data/judge_prompts.jsonl} (its {@code system_prompt} and {@code prompt_template}), sent
 * the way {@code run_judge_pair} in {@code fastchat/llm_judge/common.py} sends it to an OpenAI judge: the system
 * prompt as a {@code system} message, the filled template as one {@code user} message. The template is filled by
 * plain replacement rather than a format string, so braces in an answer are kept as written (Python's
 * {@code str.format} only interprets braces in the template, not in the substituted values, so this is the same).
 */
final class PairwisePrompt {

    static final String NAME = "pair-v2";

    static final String SYSTEM = "Please act as an impartial judge and evaluate the quality of the responses provided "
            + "by two AI assistants to the user question displayed below. You should choose the assistant that "
            + "follows the user's instructions and answers the user's question better. Your evaluation should "
            + "consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail "
            + "of their responses. Begin your evaluation by comparing the two responses and provide a short "
            + "explanation. Avoid any positional biases and ensure that the order in which the responses were "
            + "presented does not influence your decision. Do not allow the length of the responses to influence "
            + "your evaluation. Do not favor certain names of the assistants. Be as objective as possible. After "
            + "providing your explanation, output your final verdict by strictly following this format: \"[[A]]\" "
            + "if assistant A is better, \"[[B]]\" if assistant B is better, and \"[[C]]\" for a tie.";

    static final String TEMPLATE = "[User Question]\n{question}\n\n[The Start of Assistant A's Answer]\n{answer_a}\n"
            + "[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\n{answer_b}\n"
            + "[The End of Assistant B's Answer]";

    private PairwisePrompt() {}

    /** The user message for one game: {@code answerA} shown as assistant A, {@code answerB} as assistant B. */
    static String user(String question, String answerA, String answerB) {
        // One pass over the template, so a placeholder-like text inside an answer is never replaced again.
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < TEMPLATE.length()) {
            int open = TEMPLATE.indexOf('{', i);
            if (open < 0) {
                out.append(TEMPLATE, i, TEMPLATE.length());
                break;
            }
            int close = TEMPLATE.indexOf('}', open);
            out.append(TEMPLATE, i, open);
            String field = TEMPLATE.substring(open + 1, close);
            out.append(switch (field) {
                case "question" -> question;
                case "answer_a" -> answerA;
                case "answer_b" -> answerB;
                default -> throw new IllegalStateException("unknown placeholder " + field);
            });
            i = close + 1;
        }
        return out.toString();
    }

    /** The chat messages of one game, system first, as {@code run_judge_pair} sends them to an OpenAI judge. */
    static List<ChatEndpoint.Message> messages(String question, String answerA, String answerB) {
        return List.of(new ChatEndpoint.Message("system", SYSTEM),
                new ChatEndpoint.Message("user", user(question, answerA, answerB)));
    }
}
