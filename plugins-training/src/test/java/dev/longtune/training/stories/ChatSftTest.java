package dev.longtune.training.stories;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.TextTokenizer;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.api.data.ChatRecords;
import dev.longtune.api.data.DataFiles;
import dev.longtune.conformance.Fixtures;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chat SFT on stories260K with its default (llama2) chat template: exactly the assistant turns are labelled (TRL's
 * {@code assistant_only_loss}), found by rendering conversation prefixes, and an SFT step runs on chat records.
 */
class ChatSftTest {

    @TempDir
    Path out;

    private static final ObjectMapper JSON = new ObjectMapper();

    static DataConfig data(String format, boolean trainOnPrompt) {
        return JSON.convertValue(Map.of("format", format, "max_length", 512, "train_on_prompt", trainOnPrompt),
                DataConfig.class);
    }

    static TrainingConfig training(int steps) {
        return JSON.convertValue(Map.of("epochs", 1, "max_steps", steps, "batch_size", 2, "learning_rate", 1e-3,
                "lr_scheduler", "constant", "log_every", 1), TrainingConfig.class);
    }

    /** The decoded text of each maximal run of labelled positions. */
    static List<String> labelledSpans(SftExample ex, TextTokenizer tok) {
        List<String> spans = new ArrayList<>();
        int[] l = ex.labels();
        int t = 0;
        while (t < l.length) {
            if (l[t] == SftEncoder.IGNORE) {
                t++;
                continue;
            }
            int s = t;
            while (t < l.length && l[t] != SftEncoder.IGNORE) {
                assertEquals(ex.ids()[t], l[t], "a labelled position is labelled with its own id");
                t++;
            }
            spans.add(tok.decode(Arrays.copyOfRange(ex.ids(), s, t)));
        }
        return spans;
    }

    static List<String> assistantContents(List<ChatMessage> messages) {
        return messages.stream().filter(m -> m.role().equals("assistant")).map(ChatMessage::content).toList();
    }

    /** A labelled span is the assistant's content plus the template's end-of-turn (EOS) and spacing, nothing else. */
    static void assertOnlyAssistant(List<String> spans, List<String> contents) {
        assertEquals(contents.size(), spans.size(), "one labelled span per assistant turn: " + spans);
        for (int i = 0; i < spans.size(); i++) {
            String s = spans.get(i).replace("</s>", "").strip();
            assertEquals(contents.get(i).strip(), s, "span " + i + " (raw '" + spans.get(i) + "')");
        }
    }

    static List<ChatMessage> sample() {
        return List.of(ChatMessage.system("You are a storyteller."), ChatMessage.user("Tell me about a cat."),
                ChatMessage.assistant("Once upon a time there was a cat named Tom."),
                ChatMessage.user("What did Tom like?"), ChatMessage.assistant("Tom liked to play in the sun."));
    }

    @Test
    void onlyAssistantTokensAreLabelledWithTheDefaultTemplate() throws Exception {
        try (TestRunContext ctx = new TestRunContext(out); LanguageModel model = Stories.load(ctx.manager())) {
            TextTokenizer tok = model.tokenizer();
            ChatTemplate template = model.chatTemplate().orElseThrow();
            List<ChatMessage> messages = sample();
            SftExample ex = new SftEncoder(tok, 1024, false, true).encodeChat(messages, template, null).orElseThrow();
            String rendered = template.render(messages, false);
            System.out.println("rendered: " + rendered);
            List<String> spans = labelledSpans(ex, tok);
            System.out.println("labelled spans: " + spans);
            assertOnlyAssistant(spans, assistantContents(messages));
            for (int t = 1; t < ex.ids().length; t++) { // each turn's closing </s> is trained on, as in TRL
                if (ex.ids()[t] == tok.eosId().getAsInt()) {
                    assertEquals(ex.ids()[t], ex.labels()[t], "EOS at " + t);
                }
            }
            // The rendered text is encoded as is: its BOS comes from the template, not added again.
            int[] plain = tok.encode(rendered);
            assertEquals(Arrays.toString(plain), Arrays.toString(Arrays.copyOf(ex.ids(), plain.length)));
            assertTrue(ex.ids().length == plain.length || ex.ids().length == plain.length + 1);
            // train_on_prompt: everything labelled.
            SftExample all = new SftEncoder(tok, 1024, true, true).encodeChat(messages, template, null).orElseThrow();
            assertEquals(all.ids().length - 1, all.lossTokens()); // every position but the first is predicted
            // Truncation keeps the head; the first assistant turn still partly trains.
            int firstAssistant = 0;
            while (ex.labels()[firstAssistant] == SftEncoder.IGNORE) {
                firstAssistant++;
            }
            SftEncoder cut = new SftEncoder(tok, firstAssistant + 3, false, true);
            SftExample t = cut.encodeChat(messages, template, null).orElseThrow();
            assertEquals(firstAssistant + 3, t.ids().length);
            assertEquals(3, t.lossTokens());
            assertEquals(1, cut.truncated());
            // Truncated before any assistant token: nothing to learn, skipped and counted.
            SftEncoder none = new SftEncoder(tok, firstAssistant, false, true);
            assertTrue(none.encodeChat(messages, template, null).isEmpty());
            assertEquals(1, none.skipped());
        }
    }

    @Test
    void torchtuneChatTinyAndAnSftStep() throws Exception {
        List<DataRecord> records = DataFiles.read(Fixtures.sharedOrSkip("data/torchtune_assets/chat_tiny.json"));
        assertTrue(ChatRecords.isConversation(records.get(0)));
        try (TestRunContext ctx = new TestRunContext(out, 42L, "auto");
                LanguageModel model = Stories.load(ctx.manager())) {
            TextTokenizer tok = model.tokenizer();
            ChatTemplate template = model.chatTemplate().orElseThrow();
            for (DataRecord r : records) {
                List<ChatMessage> messages = ChatRecords.read("sharegpt", r);
                SftExample ex = new SftEncoder(tok, 4096, false, true).encodeChat(messages, template, r)
                        .orElseThrow();
                assertOnlyAssistant(labelledSpans(ex, tok), assistantContents(messages));
            }
            List<DataRecord> train = new ArrayList<>();
            while (train.size() < 4) {
                train.addAll(records);
            }
            TrainingOutcome o = new SftMethod(SftOptions.defaults()).train(new TrainingJob(model, train, List.of(),
                    data("auto", false), training(2), ctx));
            assertEquals(2, o.steps());
            assertTrue(Double.isFinite(o.finalLoss()), "finite loss " + o.finalLoss());
            Map<String, Object> row = ctx.rows("data").get(0);
            assertEquals((long) train.size(), row.get("train_examples"));
            assertFalse(ctx.rows("train").isEmpty());
        }
    }
}
