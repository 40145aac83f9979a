package dev.longtune.host.run;

import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.PromptCompletion;
import dev.longtune.api.TextTokenizer;
import dev.longtune.api.config.ExperimentConfig;
import dev.longtune.host.report.RunReports;
import dev.longtune.host.report.TokenLengths;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The run's last stage: measure the token lengths of its records while the tokenizer is at hand (kept as
 * {@code report/lengths.json}), then write {@code report.html} and {@code report.md} from the output folder.
 */
final class ReportStage {

    private ReportStage() {}

    /** Token lengths of the training and held-out records; a record the host cannot render is reported, not fatal. */
    static void measureLengths(ExperimentConfig c, LanguageModel model, List<DataRecord> train, List<DataRecord> eval,
            HostRunContext ctx) throws IOException {
        if (train.isEmpty() && eval.isEmpty()) {
            return;
        }
        int maxLength = c.data() == null || c.data().maxLength() == null ? 0 : c.data().maxLength();
        // Counted as SFT encodes a record (SftEncoder): BOS + encode(prompt) + encode(completion) + EOS when
        // data.add_eos — prompt and completion tokenised apart, so the count of records over data.max_length is the
        // count training truncates, not that of the joined text (which can merge tokens across the seam).
        TextTokenizer tok = model.tokenizer();
        int eos = (c.data() == null || !Boolean.FALSE.equals(c.data().addEos())) && tok.eosId().isPresent() ? 1 : 0;
        TokenLengths lengths;
        try {
            lengths = TokenLengths.measure(List.of(new TokenLengths.Named<>("train", train),
                    new TokenLengths.Named<>("held-out", eval)), r -> {
                        PromptCompletion pc = ctx.format(r);
                        return tok.encodeWithBos(pc.prompt()).length
                                + (pc.completion().isEmpty() ? 0 : tok.encode(pc.completion()).length) + eos;
                    }, maxLength);
        } catch (RuntimeException e) {
            // E.g. chat records, which only a training method renders (with the model's template).
            lengths = TokenLengths.unmeasured(maxLength, String.valueOf(e.getMessage()));
        }
        lengths.write(ctx.outputDir());
    }

    /** Writes both reports from {@code out}. */
    static void write(Path out) throws IOException {
        RunReports.write(out);
    }

    /** After a failure: a report of what the run got to, if one can be made; never hides the failure itself. */
    static void writeAfterFailure(Path out, Throwable failure, PrintStream console) {
        try {
            RunReports.write(out);
            console.println("Report of the failed run: " + out.resolve(RunReports.HTML));
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
