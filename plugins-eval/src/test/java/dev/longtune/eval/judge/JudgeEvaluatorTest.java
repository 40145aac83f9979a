package dev.longtune.eval.judge;

import static dev.longtune.eval.judge.JudgeRun.MARKER;
import static dev.longtune.eval.judge.JudgeRun.candidate;
import static dev.longtune.eval.judge.JudgeRun.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.eval.ScriptedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The position swap and FastChat's combination, with scripted judges whose verdicts are known. */
class JudgeEvaluatorTest {

    @TempDir
    Path out;

    private ScriptedEndpoint judge;

    @AfterEach
    void stop() {
        if (judge != null) {
            judge.close();
        }
    }

    private JudgeRun.Outcome run(ScriptedEndpoint.Script script, ScriptedModel model, List<DataRecord> records)
            throws Exception {
        judge = new ScriptedEndpoint(script);
        return JudgeRun.run(out, JudgeRun.options(judge, ""), model, records);
    }

    /** Every item was shown both ways: (candidate, reference) and (reference, candidate), same question. */
    private void assertBothOrdersAsked(List<DataRecord> records, ScriptedModel model, boolean marker) {
        Set<List<String>> asked = new HashSet<>();
        for (ScriptedEndpoint.Request r : judge.requests()) {
            asked.add(List.of(r.question(), r.answerA(), r.answerB()));
        }
        assertEquals(2 * records.size(), judge.count());
        for (int i = 0; i < records.size(); i++) {
            String question = model.prompts.get(i);
            String candidate = candidateAnswer(model, i) + (marker ? " " + MARKER : "");
            String reference = records.get(i).text("output");
            assertTrue(asked.contains(List.of(question, candidate, reference)), "game 1 of item " + i);
            assertTrue(asked.contains(List.of(question, reference, candidate)), "game 2 of item " + i);
        }
    }

    private static String candidateAnswer(ScriptedModel model, int i) {
        String p = model.prompts.get(i);
        int at = p.indexOf("### Instruction:\n");
        return "Candidate answer to " + p.substring(at + 17, p.indexOf("\n", at + 17));
    }

    @Test
    void aJudgeThatAlwaysSaysAYieldsOnlyTies() throws Exception {
        List<DataRecord> records = records(3, false);
        ScriptedModel model = candidate(false);
        JudgeRun.Outcome o = run(ScriptedEndpoint.always("Assistant A is more detailed. [[A]]"), model, records);
        assertEquals(0.0, o.metric("wins"));
        assertEquals(0.0, o.metric("losses"));
        assertEquals(3.0, o.metric("ties"));
        assertEquals(0.0, o.metric("errors"));
        assertEquals(0.0, o.metric("win_rate"));
        assertEquals(0.5, o.metric("win_rate_adjusted"));
        assertBothOrdersAsked(records, model, false);
        for (ScriptedEndpoint.Request r : judge.requests()) {
            assertEquals(PairwisePrompt.SYSTEM, r.system());
            assertEquals("gpt-4", r.model());
            assertEquals(0.0, r.body().get("temperature").asDouble());
            assertEquals(2048, r.body().get("max_tokens").asInt());
            assertEquals(2, r.body().get("messages").size());
        }
    }

    @Test
    void aJudgeThatPrefersTheCandidatesAnswerGivesOnlyWins() throws Exception {
        List<DataRecord> records = records(4, false);
        ScriptedModel model = candidate(true);
        JudgeRun.Outcome o = run(JudgeRun.prefersMarker(), model, records);
        assertEquals(4.0, o.metric("wins"));
        assertEquals(0.0, o.metric("losses") + o.metric("ties") + o.metric("errors"));
        assertEquals(1.0, o.metric("win_rate"));
        assertEquals(1.0, o.metric("win_rate_adjusted"));
        // Half the games put the candidate second: the judge answered [[B]] there, and it still counts for it.
        long saidB = JudgeRun.judgments(out).stream().filter(j -> j.get("g2").get("verdict").asText().equals("B"))
                .count();
        assertEquals(4, saidB);
        assertBothOrdersAsked(records, model, true);
    }

    @Test
    void aJudgeThatPrefersTheReferenceGivesOnlyLosses() throws Exception {
        List<DataRecord> records = records(3, true);
        ScriptedModel model = candidate(false);
        JudgeRun.Outcome o = run(JudgeRun.prefersMarker(), model, records);
        assertEquals(3.0, o.metric("losses"));
        assertEquals(0.0, o.metric("wins") + o.metric("ties") + o.metric("errors"));
        assertEquals(0.0, o.metric("win_rate"));
        assertEquals(0.0, o.metric("win_rate_adjusted"));
        assertEquals(1.0, o.metric("loss_rate"));
        assertBothOrdersAsked(records, model, false);
    }

    @Test
    void mixedVerdictsAddUpAsWorkedByHand() throws Exception {
        // Items 1-3: marker in the candidate (wins); 4: in both (the judge says [[C]]: tie); 5: in the reference.
        List<DataRecord> records = new ArrayList<>(records(5, false));
        for (int i : new int[] {3, 4}) {
            ObjectNode f = ((ObjectNode) records.get(i).fields()).deepCopy().put("output", "Reference " + MARKER);
            records.set(i, new DataRecord("eval.jsonl", i + 1, f));
        }
        ScriptedModel model = new ScriptedModel(4096, p -> p.contains("Question 5") ? "plain" : "has " + MARKER);
        JudgeRun.Outcome o = run(JudgeRun.prefersMarker(), model, records);
        // W=3, L=1, T=1: win_rate 3/5, adjusted (3 + 0.5)/5 = 0.7.
        assertEquals(List.of(3.0, 1.0, 1.0, 0.0, 5.0), List.of(o.metric("wins"), o.metric("losses"),
                o.metric("ties"), o.metric("errors"), o.metric("items")));
        assertEquals(0.6, o.metric("win_rate"), 1e-12);
        assertEquals(0.7, o.metric("win_rate_adjusted"), 1e-12);
        List<String> outcomes = JudgeRun.judgments(out).stream().map(j -> j.get("outcome").asText()).toList();
        assertEquals(List.of("win", "win", "win", "tie", "loss"), outcomes);
    }

    @Test
    void unparseableVerdictsAreErrorsNotWins() throws Exception {
        JudgeRun.Outcome o = run(ScriptedEndpoint.always("Both are fine, I think A. [A] [[a]] [[ A ]]"),
                candidate(true), records(3, false));
        assertEquals(3.0, o.metric("errors"));
        assertEquals(3.0, o.metric("items"));
        assertEquals(0.0, o.metric("wins") + o.metric("losses") + o.metric("ties"));
        // No item got a verdict, so there is no rate to report (0/0), and the row says why.
        assertFalse(o.result().metrics().containsKey("win_rate"));
        assertFalse(o.result().metrics().containsKey("win_rate_adjusted"));
        assertTrue(String.valueOf(o.row().get("warning")).contains("no win rate"), String.valueOf(o.row()));
        assertTrue(JudgeRun.judgments(out).stream().allMatch(j -> j.get("outcome").asText().equals("error")
                && j.get("g1").get("verdict").asText().equals("error")));
        List<String> summary = Files.readAllLines(out.resolve("eval/judge-after-summary.csv"));
        assertEquals("model,reference,gpt-4,pair-v2,3,0,0,0,3,,,,6,0", summary.get(1));
    }

    @Test
    void anErrorInOneOrderDropsTheItemFromTheRates() throws Exception {
        // Game 1 (candidate first) reads "[[A]]", game 2 is unreadable: FastChat drops the row, it is no win.
        List<DataRecord> records = records(2, false);
        JudgeRun.Outcome o = run(r -> ScriptedEndpoint.Reply.content(r.answerA().startsWith("Candidate")
                ? "[[A]]" : "no verdict"), candidate(false), records);
        assertEquals(2.0, o.metric("errors"));
        assertEquals(0.0, o.metric("wins"));
    }

    @Test
    void aTieVerdictIsATie() throws Exception {
        JudgeRun.Outcome o = run(ScriptedEndpoint.always("Equally good. [[C]]"), candidate(true), records(3, false));
        assertEquals(3.0, o.metric("ties"));
        assertEquals(0.0, o.metric("wins") + o.metric("losses") + o.metric("errors"));
        assertEquals(0.5, o.metric("win_rate_adjusted"));
    }

    @Test
    void ordersThatDisagreeMakeATie() throws Exception {
        // Game 1 says the candidate, game 2 says tie: FastChat's g1_winner != g2_winner, a tie. And the reverse
        // disagreement (reference in game 1, candidate in game 2) is a tie as well.
        JudgeRun.Outcome o = run(r -> ScriptedEndpoint.Reply.content(r.answerA().startsWith("Candidate")
                ? "[[A]]" : "[[C]]"), candidate(false), records(2, false));
        assertEquals(2.0, o.metric("ties"));
        assertEquals(0.0, o.metric("wins"));
        judge.close();
        o = run(r -> ScriptedEndpoint.Reply.content("[[B]]"), candidate(false), records(2, false));
        assertEquals(2.0, o.metric("ties"));
    }

    @Test
    void verdictsAreReadInFastChatsOrder() throws Exception {
        // "[[A]]" is looked for first: a judgment naming both letters counts as A, as FastChat's substring tests do.
        JudgeRun.Outcome o = run(r -> ScriptedEndpoint.Reply.content(r.answerA().startsWith("Candidate")
                ? "Not [[B]] but [[A]]" : "[[C]] or [[B]]"), candidate(false), records(1, false));
        assertEquals(1.0, o.metric("wins"));
    }

    @Test
    void writesOneJudgmentLinePerItemWithTheRationale() throws Exception {
        List<DataRecord> records = records(2, false);
        JudgeRun.Outcome o = run(JudgeRun.prefersMarker(), candidate(true), records);
        List<JsonNode> lines = JudgeRun.judgments(out);
        assertEquals(2, lines.size());
        JsonNode first = lines.get(0);
        assertEquals("eval.jsonl:1", first.get("where").asText());
        assertTrue(first.get("question").asText().contains("### Instruction:\nQuestion 1\n"));
        assertEquals("Candidate answer to Question 1 " + MARKER, first.get("candidate_answer").asText());
        assertEquals("Reference 1", first.get("opponent_answer").asText());
        assertEquals("model", first.get("g1").get("assistant_a").asText());
        assertEquals("reference", first.get("g2").get("assistant_a").asText());
        assertEquals("Assistant A mentions the marker. [[A]]", first.get("g1").get("judgment").asText());
        assertEquals("Assistant B mentions the marker. [[B]]", first.get("g2").get("judgment").asText());
        assertEquals("model", first.get("g2").get("winner").asText());
        assertEquals("win", first.get("outcome").asText());
        assertEquals(List.of(Path.of("eval/judge-after-judgments.jsonl"), Path.of("eval/judge-after-summary.csv")),
                o.result().artifacts());
        List<String> summary = Files.readAllLines(out.resolve("eval/judge-after-summary.csv"));
        assertEquals("candidate,opponent,judge,prompt,items,wins,losses,ties,errors,win_rate,loss_rate,"
                + "win_rate_adjusted,requests_made,cache_hits", summary.get(0));
        assertEquals("model,reference,gpt-4,pair-v2,2,2,0,0,0,1.0000,0.0000,1.0000,4,0", summary.get(1));
        assertEquals("judge", o.row().get("evaluator"));
        assertEquals(2.0, o.row().get("wins"));
    }

    @Test
    void onlyRecordsWithAPromptAndAReferenceAreJudgedUpToMaxRecords() throws Exception {
        List<DataRecord> records = new ArrayList<>();
        records.add(new DataRecord("eval.jsonl", 1, ScriptedEndpoint.JSON.createObjectNode().put("text", "plain")));
        records.addAll(records(4, false));
        records.add(new DataRecord("eval.jsonl", 9, ScriptedEndpoint.JSON.createObjectNode()
                .put("instruction", "No reference").put("output", "")));
        judge = new ScriptedEndpoint(ScriptedEndpoint.always("[[C]]"));
        ScriptedModel model = candidate(false);
        JudgeRun.Outcome all = JudgeRun.run(out, JudgeRun.options(judge, ""), model, records);
        assertEquals(4.0, all.metric("items"), "a text record has no prompt; an empty reference cannot be judged");
        assertEquals(1.0, all.metric("skipped_no_reference"));
        assertEquals(5, model.prompts.size(), "the text record is not even generated for");
        ScriptedModel second = candidate(false);
        JudgeRun.Outcome two = JudgeRun.run(out, JudgeRun.options(judge, "max_records: 2\n"), second, records);
        assertEquals(2.0, two.metric("items"));
        assertEquals(2, second.prompts.size());
    }
}
