package dev.longtune.training.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.conformance.TestRunContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batched preference losses on the real stories260K against an independent computation: every sequence scored
 * on its own (one row, no padding) with {@link TokenLoss} instead of {@code SequenceLogProbs}, and the spec's
 * formulas (D.7, D.8) evaluated in Java doubles. The policy differs from the reference (the final norm is rescaled
 * after the reference is taken), so Δ ≠ 0 and the check covers row order [chosen; rejected], prompt masking,
 * padding and the reference lookup.
 */
class PreferenceLossCrossCheckTest {

    @TempDir
    Path out;

    /** −Σ of the completion log-probs of one sequence, or over all its tokens (ORPO's NLL) when {@code all}. */
    private static double[] score(LanguageModel model, NDManager parent, int[] prompt, int[] completion) {
        try (NDManager m = parent.newSubManager()) {
            int n = prompt.length + completion.length;
            long[] ids = new long[n];
            long[] labels = new long[n];
            long[] all = new long[n];
            for (int t = 0; t < n; t++) {
                ids[t] = t < prompt.length ? prompt[t] : completion[t - prompt.length];
                labels[t] = t < prompt.length ? TokenLoss.IGNORE : ids[t];
                all[t] = ids[t];
            }
            NDArray logits = model.forward(ForwardInput.of(m.create(ids, new Shape(1, n))));
            TokenLoss.Sum c = TokenLoss.shiftedNll(logits, m.create(labels, new Shape(1, n)));
            TokenLoss.Sum w = TokenLoss.shiftedNll(logits, m.create(all, new Shape(1, n)));
            return new double[] {-c.sum().getFloat(), c.tokens(), w.sum().getFloat(), w.tokens()};
        }
    }

    private static double logSigmoid(double x) {
        return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    }

    @Test
    void dpoIpoOrpoAndSimpoMatchPerSequenceScoring() throws Exception {
        try (TestRunContext ctx = new TestRunContext(out); LanguageModel model = PreferenceFixtures.stories(
                ctx.manager())) {
            PreferenceEncoder enc = new PreferenceEncoder(model.tokenizer(), null, "auto", 64, 32, true);
            List<PairExample> units = new ArrayList<>();
            for (var r : PreferenceFixtures.storyPairs()) {
                units.add(enc.pair(r).orElseThrow().withIndex(units.size()));
            }
            int p = units.size();
            double[][] ref = new double[4][p];
            for (PairExample u : units) {
                double[] c = score(model, ctx.manager(), u.prompt(), u.first());
                double[] r = score(model, ctx.manager(), u.prompt(), u.second());
                ref[0][u.index()] = c[0];
                ref[1][u.index()] = r[0];
                ref[2][u.index()] = c[0] / c[1];
                ref[3][u.index()] = r[0] / r[1];
            }
            NDArray norm = model.parameters().get("model.norm.weight");
            norm.muli(1.5f); // the policy moves away from the reference
            double[][] pol = new double[p][];
            double[][] rej = new double[p][];
            for (int i = 0; i < p; i++) {
                pol[i] = score(model, ctx.manager(), units.get(i).prompt(), units.get(i).first());
                rej[i] = score(model, ctx.manager(), units.get(i).prompt(), units.get(i).second());
            }
            PairBatch batch = PairBatch.of(units, 2, true);
            double beta = 0.1;

            double dpo = 0;
            double ipo = 0;
            for (int i = 0; i < p; i++) {
                double delta = (pol[i][0] - ref[0][i]) - (rej[i][0] - ref[1][i]);
                dpo += -logSigmoid(beta * delta);
                double avg = (pol[i][0] / pol[i][1] - ref[2][i]) - (rej[i][0] / rej[i][1] - ref[3][i]);
                ipo += Math.pow(avg - 1 / (2 * beta), 2);
            }
            assertTrue(Math.abs(dpo / p - Math.log(2)) > 1e-3, "the policy must differ from the reference");
            assertEquals(dpo, sum(PreferenceMethod.dpo(DpoOptions.defaults()), model, batch, ref, ctx), 1e-4 * p);
            assertEquals(ipo, sum(PreferenceMethod.dpo(new DpoOptions(beta, "ipo", null, null, null, null)), model,
                    batch, ref, ctx), 1e-3 * ipo);

            // ORPO: NLL over every token of the chosen sequences of the batch (prompt included), mean per token.
            double nllSum = 0;
            double nllTokens = 0;
            double orTerm = 0;
            for (int i = 0; i < p; i++) {
                nllSum += pol[i][2];
                nllTokens += pol[i][3];
                double lc = pol[i][0] / pol[i][1];
                double lr = rej[i][0] / rej[i][1];
                double logOdds = (lc - lr) - (Math.log(-Math.expm1(lc)) - Math.log(-Math.expm1(lr)));
                orTerm += logSigmoid(logOdds);
            }
            double orpoPerPair = nllSum / nllTokens - beta * orTerm / p;
            assertEquals(orpoPerPair * p, sum(PreferenceMethod.orpo(OrpoOptions.defaults()), model, batch, null,
                    ctx), 1e-4 * p);
            // SimPO as TRL's CPO trainer (spec D.9): −logσ(β(lc − lr) − γ), plus cpo_alpha × the chosen NLL over the
            // completion tokens only (prompt masked), mean per token over the batch.
            double simpo = 0;
            double completionNll = 0;
            double completionTokens = 0;
            for (int i = 0; i < p; i++) {
                simpo += -logSigmoid(2.0 * (pol[i][0] / pol[i][1] - rej[i][0] / rej[i][1]) - 0.5);
                completionNll += -pol[i][0];
                completionTokens += pol[i][1];
            }
            double simpoPerPair = simpo / p + 1.0 * completionNll / completionTokens;
            assertEquals(simpoPerPair * p, sum(PreferenceMethod.simpo(new SimpoOptions(2.0, 0.5, 1.0, null, null,
                    null)), model, batch, null, ctx), 1e-4 * p);
            System.out.printf("cross-check on %d pairs: dpo %.6f, ipo %.4f, orpo %.6f, simpo %.6f (per pair)%n", p,
                    dpo / p, ipo / p, orpoPerPair, simpoPerPair);
        }
    }

    private static double sum(PreferenceMethod method, LanguageModel model, PairBatch batch, double[][] ref,
            TestRunContext ctx) {
        try (NDManager m = ctx.manager().newSubManager()) {
            TokenLoss.Sum s = method.batchLoss(model, batch, ref, m);
            assertEquals(batch.pairs(), s.tokens());
            return s.sum().getFloat();
        }
    }
}
