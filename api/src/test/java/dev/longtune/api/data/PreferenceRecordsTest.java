package dev.longtune.api.data;

import static dev.longtune.api.data.ChatRecordsTest.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LongtuneException;
import dev.longtune.conformance.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Preference pairs from TRL (text and conversational, explicit and implicit prompt), HH-RLHF dialogues and
 * Stack-Exchange records, inline and on the shared data files.
 */
class PreferenceRecordsTest {

    /** A Llama-3-like template: enough to check that rendering follows TRL's prompt/suffix rule. */
    static final ChatTemplate TEMPLATE = new ChatTemplate() {
        @Override
        public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
            StringBuilder s = new StringBuilder("<bos>");
            for (ChatMessage m : messages) {
                s.append("<|").append(m.role()).append("|>\n").append(m.content().strip()).append("<|eot|>");
            }
            if (addGenerationPrompt) {
                s.append("<|assistant|>\n");
            }
            return s.toString();
        }

        @Override
        public String source() {
            return "test template";
        }
    };

    @Test
    void trlTextRecord() {
        DataRecord r = record("{\"prompt\": \"Q?\", \"chosen\": \" good\", \"rejected\": \" bad\"}");
        assertEquals("prompt_chosen_rejected", PreferenceRecords.detect(r));
        PreferenceExample e = PreferenceRecords.read("auto", r, null);
        assertEquals(new PreferenceExample("Q?", " good", " bad"), e);
        assertEquals("Q? good", e.chosenPair().fullText());
        assertEquals("Q? bad", e.rejectedPair().fullText());
    }

    @Test
    void trlConversationalWithExplicitPrompt() {
        DataRecord r = record("{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], "
                + "\"chosen\": [{\"role\": \"assistant\", \"content\": \"Hello!\"}], "
                + "\"rejected\": [{\"role\": \"assistant\", \"content\": \"Go away.\"}]}");
        assertTrue(PreferenceRecords.isConversational(r));
        ChatPreference c = PreferenceRecords.conversation(r);
        assertEquals(List.of(ChatMessage.user("Hi")), c.prompt());
        PreferenceExample e = PreferenceRecords.read("prompt_chosen_rejected", r, TEMPLATE);
        assertEquals("<bos><|user|>\nHi<|eot|><|assistant|>\n", e.prompt());
        assertEquals("Hello!<|eot|>", e.chosen());
        assertEquals("Go away.<|eot|>", e.rejected());
        LongtuneException noTemplate = assertThrows(LongtuneException.class,
                () -> PreferenceRecords.read("auto", r, null));
        assertTrue(noTemplate.getMessage().startsWith("inline.jsonl:7: conversational"), noTemplate.getMessage());
    }

    @Test
    void conversationalErrors() {
        DataRecord mixed = record("{\"prompt\": \"Hi\", \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\"}], "
                + "\"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}");
        assertThrows(LongtuneException.class, () -> PreferenceRecords.conversation(mixed));
        DataRecord same = record("{\"chosen\": [{\"role\": \"user\", \"content\": \"a\"}], "
                + "\"rejected\": [{\"role\": \"user\", \"content\": \"a\"}]}");
        assertThrows(LongtuneException.class, () -> PreferenceRecords.conversation(same));
        DataRecord endsWithAssistant = record("{\"prompt\": [{\"role\": \"user\", \"content\": \"a\"}, "
                + "{\"role\": \"assistant\", \"content\": \"b\"}], \"chosen\": [{\"role\": \"assistant\", "
                + "\"content\": \"c\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"d\"}]}");
        assertThrows(LongtuneException.class, () -> PreferenceRecords.read("auto", endsWithAssistant, TEMPLATE));
        ChatTemplate notAPrefix = new ChatTemplate() {
            @Override
            public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
                return addGenerationPrompt ? "A" + messages.size() : "B" + messages.size();
            }

            @Override
            public String source() {
                return "odd template";
            }
        };
        DataRecord ok = record("{\"prompt\": [{\"role\": \"user\", \"content\": \"a\"}], \"chosen\": [{\"role\": "
                + "\"assistant\", \"content\": \"c\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"d\"}]}");
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> PreferenceRecords.read("auto", ok, notAPrefix));
        assertTrue(e.getMessage().contains("odd template"), e.getMessage());
    }

    @Test
    void hhRlhfDialogue() {
        DataRecord r = record("{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello\\n\\nHuman: Joke?\\n\\nAssistant: "
                + "Why did the chicken...\", \"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello\\n\\nHuman: Joke?"
                + "\\n\\nAssistant: No.\"}");
        assertEquals("hh_rlhf", PreferenceRecords.detect(r));
        PreferenceExample e = PreferenceRecords.read("auto", r, null);
        assertEquals("\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Joke?\n\nAssistant:", e.prompt());
        assertEquals(" Why did the chicken...", e.chosen());
        assertEquals(" No.", e.rejected());
        // the completions may share a beginning: the cut is still at the last shared "\n\nAssistant:"
        DataRecord shared = record("{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Sure, yes\", "
                + "\"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Sure, no\"}");
        assertEquals(new PreferenceExample("\n\nHuman: Hi\n\nAssistant:", " Sure, yes", " Sure, no"),
                PreferenceRecords.read("hh_rlhf", shared, null));
        DataRecord noTurn = record("{\"chosen\": \"abc\", \"rejected\": \"abd\"}");
        LongtuneException err = assertThrows(LongtuneException.class,
                () -> PreferenceRecords.read("hh_rlhf", noTurn, null));
        assertTrue(err.getMessage().startsWith("inline.jsonl:7: HH-RLHF"), err.getMessage());
        // plain strings without a prompt and without HH turns are not guessed at
        assertThrows(LongtuneException.class, () -> PreferenceRecords.detect(noTurn));
        LongtuneException noPrompt = assertThrows(LongtuneException.class,
                () -> PreferenceRecords.read("prompt_chosen_rejected", noTurn, null));
        assertTrue(noPrompt.getMessage().contains("missing field 'prompt'"), noPrompt.getMessage());
    }

    @Test
    void stackExchange() {
        DataRecord r = record("{\"question\": \"How?\", \"response_j\": \"Like this.\", \"response_k\": \"No idea.\", "
                + "\"date\": \"2020\"}");
        assertEquals("stack_exchange", PreferenceRecords.detect(r));
        assertEquals(new PreferenceExample("Question: How?\n\nAnswer: ", "Like this.", "No idea."),
                PreferenceRecords.read("auto", r, null));
    }

    @Test
    void unknownRecordsAndFormats() {
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> PreferenceRecords.read("auto", record("{\"instruction\": \"x\", \"output\": \"y\"}"), null));
        assertTrue(e.getMessage().startsWith("inline.jsonl:7: cannot tell the preference format"), e.getMessage());
        assertTrue(e.getMessage().contains("[instruction, output]"), e.getMessage());
        assertThrows(LongtuneException.class, () -> PreferenceRecords.read("kto", record("{}"), null));
        LongtuneException notText = assertThrows(LongtuneException.class, () -> PreferenceRecords.read(
                "prompt_chosen_rejected", record("{\"prompt\": \"p\", \"chosen\": 1, \"rejected\": \"r\"}"), null));
        assertTrue(notText.getMessage().contains("'chosen' must be a string"), notText.getMessage());
    }

    // ------------------------------------------------------------------------------------ shared data files

    @Test
    void torchtuneHhRlhfTinyIsConversationalWithImplicitPrompt() {
        List<DataRecord> records = DataFiles.read(Fixtures.sharedOrSkip("data/torchtune_assets/hh_rlhf_tiny.json"));
        assertEquals(1, records.size());
        DataRecord r = records.get(0);
        assertEquals("prompt_chosen_rejected", PreferenceRecords.detect(r));
        ChatPreference c = PreferenceRecords.conversation(r);
        assertEquals(List.of(ChatMessage.user("What do I do when I have a hole in my trousers?")), c.prompt());
        assertEquals(List.of(ChatMessage.assistant("Fix the hole.")), c.chosen());
        assertEquals(List.of(ChatMessage.assistant("Take them off.")), c.rejected());
        PreferenceExample e = PreferenceRecords.read("auto", r, TEMPLATE);
        assertEquals("Fix the hole.<|eot|>", e.chosen());
    }

    @Test
    void anthropicHarmlessBase() {
        List<DataRecord> records = DataFiles.read(Fixtures.sharedOrSkip("data/hh-rlhf/harmless-base-test.jsonl.gz"));
        assertEquals(2312, records.size());
        int multiTurnCompletions = 0;
        for (DataRecord r : records) {
            assertEquals("hh_rlhf", PreferenceRecords.detect(r), r.where());
            PreferenceExample e = PreferenceRecords.read("auto", r, null);
            assertTrue(e.prompt().endsWith("\n\nAssistant:"), r.where());
            assertTrue(e.prompt().startsWith("\n\nHuman:"), r.where());
            assertEquals(r.text("chosen"), e.prompt() + e.chosen(), r.where());
            assertEquals(r.text("rejected"), e.prompt() + e.rejected(), r.where());
            if (e.chosen().contains("\n\nHuman:") || e.rejected().contains("\n\nHuman:")) {
                multiTurnCompletions++; // chosen and rejected dialogues diverge before their last turn
            }
        }
        PreferenceExample first = PreferenceRecords.read("auto", records.get(0), null);
        assertTrue(first.prompt().endsWith("\n\nHuman: okay some of these do not have anything to do with pens"
                + "\n\nAssistant:"));
        assertTrue(first.chosen().startsWith(" No, sorry!"));
        assertTrue(first.rejected().startsWith(" There are lots of funny things"));
        // in this file chosen and rejected always share every turn but the last
        assertEquals(0, multiTurnCompletions, "dialogues diverging before their last turn");
    }

    @Test
    void torchtuneStackExchangePaired() {
        List<DataRecord> records = DataFiles.read(
                Fixtures.sharedOrSkip("data/torchtune_assets/stack_exchange_paired_tiny.json"));
        assertEquals(25, records.size());
        for (DataRecord r : records) {
            PreferenceExample e = PreferenceRecords.read("auto", r, null);
            assertEquals("Question: " + r.text("question") + "\n\nAnswer: ", e.prompt(), r.where());
            assertEquals(r.text("response_j"), e.chosen());
            assertEquals(r.text("response_k"), e.rejected());
        }
        assertTrue(PreferenceRecords.read("auto", records.get(0), null).prompt()
                .startsWith("Question: I'm writing a code using Java Swing"));
    }

    @Test
    void peerReadPreferencePairs() {
        List<DataRecord> records = DataFiles.read(Fixtures.sharedOrSkip("data/peerread/preference.jsonl"));
        assertEquals(8, records.size());
        for (int i = 0; i < records.size(); i++) {
            DataRecord r = records.get(i);
            assertEquals("prompt_chosen_rejected", PreferenceRecords.detect(r));
            assertFalse(PreferenceRecords.isConversational(r));
            PreferenceExample e = PreferenceRecords.read("auto", r, null);
            assertTrue(e.prompt().startsWith("You are a professional machine learning conference reviewer"));
            // the rejected review is the next paper's chosen one (a mismatched-review negative, see its README)
            PreferenceExample next = PreferenceRecords.read("auto", records.get((i + 1) % records.size()), null);
            assertEquals(next.chosen(), e.rejected(), r.where());
        }
    }

    @Test
    void alpacaIsNotAPreferenceFormat() {
        List<DataRecord> records = DataFiles.read(Fixtures.sharedOrSkip("data/torchtune_assets/alpaca_tiny.json"));
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> PreferenceRecords.read("auto", records.get(0), null));
        assertTrue(e.getMessage().contains("alpaca_tiny.json:1: cannot tell the preference format"), e.getMessage());
    }
}
