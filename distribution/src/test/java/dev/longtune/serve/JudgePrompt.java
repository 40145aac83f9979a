package dev.longtune.serve;

/**
 * The parts of one pairwise judge prompt (FastChat's pair-v2 template) as the judge model receives it: the question
 * and the two answers in the order shown. Read back from the rendered text, so a test sees what the server passed
 * to the model, not what the client meant to send.
 */
record JudgePrompt(String question, String answerA, String answerB) {

    static JudgePrompt parse(String prompt) {
        return new JudgePrompt(between(prompt, "[User Question]\n", "\n\n[The Start of Assistant A's Answer]"),
                between(prompt, "[The Start of Assistant A's Answer]\n", "\n[The End of Assistant A's Answer]"),
                between(prompt, "[The Start of Assistant B's Answer]\n", "\n[The End of Assistant B's Answer]"));
    }

    private static String between(String text, String start, String end) {
        int from = text.indexOf(start);
        int to = from < 0 ? -1 : text.indexOf(end, from + start.length());
        if (to < 0) {
            throw new AssertionError("not a pair-v2 judge prompt (no '" + start.strip() + "' … '" + end.strip()
                    + "'): " + text);
        }
        return text.substring(from + start.length(), to).strip();
    }
}
