package dev.longtune.training.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.FineTuningMethod;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RunContext;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.training.data.Batches;
import dev.longtune.training.loop.BatchSource;
import dev.longtune.training.loop.LossFunction;
import dev.longtune.training.loop.TrainingLoop;
import dev.longtune.training.objectives.AuxiliaryLoss;
import dev.longtune.training.objectives.PreferenceLosses;
import dev.longtune.training.objectives.PreferenceLosses.DpoLoss;
import dev.longtune.training.objectives.SequenceLogProbs;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.trains.TrainableStrategy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The preference methods ({@code dpo} with its IPO/cDPO/robust/hinge variants, {@code orpo}, {@code simpo},
 * {@code kto}) on the shared {@link TrainingLoop}, with any {@code trains:} strategy.
 *
 * <p>Each micro-batch is one forward pass over {@code [chosen; rejected]} (KTO: {@code [examples; KL pairs]});
 * the loss is the sum of per-pair losses with {@link PairBatch#lossTokens()} = pairs, so the loop reports and
 * differentiates the mean per pair (spec D.7: "the batch loss is the mean over pairs"). DPO and KTO compare with
 * reference log-probs: by default computed once, before the first step, from the initial weights with no gradient
 * (that <em>is</em> the reference model, whatever trains; no second model is loaded); with
 * {@code reference: adapters_disabled} the adapter strategy's frozen base is run on each micro-batch instead.
 * ORPO and SimPO use no reference and make no reference pass.
 *
 * <p><b>Auxiliary loss.</b> For a model with one (Mixtral's router load-balancing loss, already multiplied by
 * {@code router_aux_loss_coef}), every method adds it to each pair's (KTO: example's) loss in training, as TRL's
 * trainers do when the model's {@code output_router_logits} is on ({@code losses + aux_loss_coef * aux_loss}), and
 * logs it as {@code aux_loss} (TRL logs the unweighted value under that name; ours is the weighted term, i.e. TRL's
 * times the coefficient). It comes from the policy forward over {@code [chosen; rejected]}, padding included (TRL
 * passes the attention mask, which excludes padding from the router statistics). {@code method.aux_loss: false}
 * turns it off. Evaluation losses never include it.
 *
 * <p>Metrics: stream {@code data} (records, pairs, truncated, skipped), stream {@code preference} every
 * {@code training.log_every} steps with TRL's names ({@code loss}, {@code rewards/chosen}, {@code rewards/rejected},
 * {@code rewards/accuracies}, {@code rewards/margins}, {@code logps/chosen}, {@code logps/rejected}, and
 * {@code nll_loss} / {@code log_odds_ratio} / {@code kl} where the method has them, and {@code aux_loss} for models
 * with an auxiliary training loss), stream
 * {@code eval_preference} before and after training when there is held-out data; the loop's {@code train} stream
 * carries the loss as usual.
 */
public final class PreferenceMethod implements FineTuningMethod {

    /** Which objective. */
    public enum Kind { DPO, ORPO, SIMPO, KTO }

    /** The objective's settings (unused ones are ignored). */
    record Settings(Kind kind, DpoLoss dpoLoss, double beta, double labelSmoothing, double gamma, double cpoAlpha,
            double desirableWeight, double undesirableWeight, String reference, int maxPromptLength,
            JsonNode trains, boolean auxLoss) {}

    private final Settings s;
    private long referencePasses;

    PreferenceMethod(Settings settings) {
        this.s = settings;
    }

    static PreferenceMethod dpo(DpoOptions o) {
        return new PreferenceMethod(new Settings(Kind.DPO, DpoLoss.parse(o.lossType()), o.beta(), o.labelSmoothing(),
                0, 0, 1, 1, o.reference(), n(o.maxPromptLength()), o.trains(), o.auxLoss()));
    }

    static PreferenceMethod orpo(OrpoOptions o) {
        return new PreferenceMethod(new Settings(Kind.ORPO, null, o.beta(), 0, 0, 0, 1, 1, null,
                n(o.maxPromptLength()), o.trains(), o.auxLoss()));
    }

    static PreferenceMethod simpo(SimpoOptions o) {
        return new PreferenceMethod(new Settings(Kind.SIMPO, null, o.beta(), o.labelSmoothing(), o.gamma(),
                o.cpoAlpha(), 1, 1, null, n(o.maxPromptLength()), o.trains(), o.auxLoss()));
    }

    static PreferenceMethod kto(KtoOptions o) {
        return new PreferenceMethod(new Settings(Kind.KTO, null, o.beta(), 0, 0, 0, o.desirableWeight(),
                o.undesirableWeight(), o.reference(), n(o.maxPromptLength()), o.trains(), o.auxLoss()));
    }

    /**
     * The prompt cuts {@code {keepEnd, middle}} (0 = none) for {@code method.max_prompt_length} ({@code methodPrompt},
     * 0 = unset) and {@code data.max_prompt_length} ({@code dataPrompt}, null = unset): the data cap replaces the
     * method's keep-end cut and its {@code max_length / 2} default; both set is refused (two different rules for the
     * same prompt: one would silently undo the other).
     */
    static int[] promptCuts(int methodPrompt, Integer dataPrompt, int maxLength) {
        if (dataPrompt != null && methodPrompt > 0) {
            throw new LongtuneException("method.max_prompt_length (" + methodPrompt + ": keeps the prompt's end, as "
                    + "TRL) and data.max_prompt_length (" + dataPrompt + ": cuts the prompt's middle) are both set; "
                    + "remove one of them");
        }
        if (dataPrompt != null) {
            return new int[] {0, dataPrompt};
        }
        return new int[] {methodPrompt > 0 ? methodPrompt : Math.max(1, maxLength / 2), 0};
    }

    private static int n(Integer v) {
        return v == null ? 0 : v;
    }

    private boolean needsReference() {
        return s.kind() == Kind.DPO || s.kind() == Kind.KTO;
    }

    private boolean averaged() {
        return s.kind() == Kind.ORPO || s.kind() == Kind.SIMPO
                || (s.kind() == Kind.DPO && s.dpoLoss().usesAverageLogProbs());
    }

    private String name() {
        return s.kind().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Forward passes made only for reference log-probs (0 for ORPO and SimPO). */
    public long referencePasses() {
        return referencePasses;
    }

    @Override
    public TrainingOutcome train(TrainingJob job) throws IOException {
        LanguageModel model = job.model();
        int batchSize = job.training().batchSize();
        if (s.kind() == Kind.KTO && batchSize < 2) {
            throw new LongtuneException("training.batch_size: method 'kto' needs at least 2 examples per micro-batch "
                    + "(its KL reference point is a mean over the batch), got " + batchSize);
        }
        int maxLength = job.data().maxLength();
        Integer dataPrompt = job.data().maxPromptLength();
        int[] cuts = promptCuts(s.maxPromptLength(), dataPrompt, maxLength);
        int maxPrompt = cuts[0];
        PreferenceEncoder encoder = new PreferenceEncoder(model.tokenizer(), model.chatTemplate().orElse(null),
                job.data().format(), maxLength, cuts[0], cuts[1], job.data().addEos());
        List<PairExample> train = encode(job.train(), encoder, job.context().seed(), 0);
        long trainTruncated = encoder.truncated();
        long trainSkipped = encoder.skipped();
        List<PairExample> held = encode(job.eval(), encoder, job.context().seed() + 1, train.size());
        Map<String, Object> dataRow = new LinkedHashMap<>();
        dataRow.put("train_records", (long) job.train().size());
        dataRow.put(s.kind() == Kind.KTO ? "train_examples" : "train_pairs", (long) train.size());
        dataRow.put("train_truncated", trainTruncated);
        dataRow.put("train_skipped", trainSkipped);
        dataRow.put("eval_records", (long) job.eval().size());
        dataRow.put(s.kind() == Kind.KTO ? "eval_examples" : "eval_pairs", (long) held.size());
        dataRow.put("eval_truncated", encoder.truncated() - trainTruncated);
        dataRow.put("eval_skipped", encoder.skipped() - trainSkipped);
        dataRow.put("max_length", (long) maxLength);
        dataRow.put("max_prompt_length", (long) (dataPrompt != null ? dataPrompt : maxPrompt));
        dataRow.put("prompt_truncation", dataPrompt != null ? "middle" : "keep_end");
        job.context().metrics().record("data", dataRow);
        if (train.isEmpty()) {
            throw new LongtuneException("all " + job.train().size() + " training records were skipped (empty "
                    + "completions); check the dataset and data.format");
        }
        if (s.kind() == Kind.KTO && train.size() < 2) {
            throw new LongtuneException("method 'kto' needs at least 2 training examples for its KL pairs");
        }

        int pad = Batches.padId(model.tokenizer());
        int accumulation = Math.max(1, job.training().gradientAccumulationSteps());
        long seed = job.context().seed();
        BatchSource<PairBatch> source = new BatchSource<>() {
            @Override
            public int batchesPerEpoch() {
                return (train.size() + batchSize - 1) / batchSize;
            }

            @Override
            public List<PairBatch> epoch(int epoch) {
                List<PairExample> order = new ArrayList<>(train);
                Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
                return batches(order, batchSize, pad, accumulation);
            }
        };
        List<PairBatch> evalBatches = batches(held, batchSize, pad, Integer.MAX_VALUE);
        long total = TrainingLoop.totalSteps(job.training(), source.batchesPerEpoch());

        TrainableStrategy strategy = Reference.strategy(s.trains());
        try (TrainableStrategy.Prepared prepared = strategy.prepare(model, job.context())) {
            boolean onTheFly = Reference.ADAPTERS_DISABLED.equals(s.reference());
            if (onTheFly && !prepared.hasFrozenBase()) {
                throw new LongtuneException(Reference.noFrozenBase(name(), strategy.name()));
            }
            double[][] ref = null;
            if (needsReference() && !onTheFly) {
                List<PairExample> all = new ArrayList<>(train);
                all.addAll(held);
                ref = precompute(model, all, train.size(), batchSize, pad, job);
            }
            Metrics metrics = new Metrics(job.context().metrics(), total, job.training().logEvery());
            LossFunction<PairBatch> loss = lossFunction(prepared, ref, onTheFly, metrics);
            TrainingOutcome out = new TrainingLoop(job.training(), job.context())
                    .withCheckpointFiles(prepared::writeCheckpointFiles)
                    .run(model, prepared.trainable(), prepared.learningRateScale(), source, evalBatches, loss);
            metrics.flushEval(total);
            if (prepared.hasFrozenBase()) {
                // As sft: the adapter in PEFT's layout under <output>/adapter/, then merged so the model the host
                // saves is a plain Hugging Face checkpoint of the fine-tuned weights.
                prepared.export(job.context().outputDir().resolve(SftMethod.ADAPTER_DIR));
                prepared.merge();
            }
            Map<String, Double> extra = new LinkedHashMap<>(out.extra());
            extra.put(s.kind() == Kind.KTO ? "train_examples" : "train_pairs", (double) train.size());
            extra.put("train_truncated", (double) trainTruncated);
            extra.put("train_skipped", (double) trainSkipped);
            extra.put("reference_forward_passes", (double) referencePasses);
            extra.put("trainable_parameters",
                    (double) prepared.trainable().values().stream().mapToLong(NDArray::size).sum());
            extra.putAll(metrics.last());
            return new TrainingOutcome(out.steps(), out.tokens(), out.finalLoss(), out.seconds(), extra);
        }
    }

    private List<PairExample> encode(List<DataRecord> records, PreferenceEncoder encoder, long seed, int offset) {
        List<PairExample> out = new ArrayList<>();
        for (DataRecord r : records) {
            if (s.kind() == Kind.KTO) {
                out.addAll(encoder.unpaired(r));
            } else {
                encoder.pair(r).ifPresent(out::add);
            }
        }
        if (s.kind() == Kind.KTO) {
            out = encoder.withKlPartners(out, seed);
        }
        List<PairExample> indexed = new ArrayList<>(out.size());
        for (int i = 0; i < out.size(); i++) {
            indexed.add(out.get(i).withIndex(offset + i));
        }
        return indexed;
    }

    /** Micro-batches in order; KTO batches put desirable examples first. */
    private List<PairBatch> batches(List<PairExample> order, int batchSize, int pad, int accumulation) {
        List<PairBatch> out = new ArrayList<>();
        int count = (order.size() + batchSize - 1) / batchSize;
        for (int b = 0; b < count; b++) {
            List<PairExample> units = new ArrayList<>(order.subList(b * batchSize,
                    Math.min(order.size(), (b + 1) * batchSize)));
            if (s.kind() == Kind.KTO) {
                units.sort((x, y) -> Boolean.compare(!x.desirable(), !y.desirable()));
            }
            boolean ends = accumulation == Integer.MAX_VALUE || b % accumulation == accumulation - 1
                    || b == count - 1;
            out.add(PairBatch.of(units, pad, ends));
        }
        return out;
    }

    /**
     * Reference log-probs of every unit from the current (initial) weights, without a gradient collector, each batch
     * in its own sub-manager: {@code [firstSum, secondSum, firstMean, secondMean]} indexed by {@link
     * PairExample#index()}. Training units use the training-mode forward (as the policy does, so training-only
     * attention patterns match), held-out units the evaluation-mode forward.
     */
    private double[][] precompute(LanguageModel model, List<PairExample> all, int trainCount, int batchSize, int pad,
            TrainingJob job) {
        double[][] ref = new double[4][all.size()];
        try (var progress = job.context().progress("reference log-probs", (all.size() + batchSize - 1) / batchSize,
                "batch")) {
            for (int i = 0; i < all.size(); i += batchSize) {
                int end = Math.min(all.size(), i + batchSize);
                if (i < trainCount && end > trainCount) {
                    end = trainCount; // keep train and held-out units in separate batches
                }
                List<PairExample> chunk = all.subList(i, end);
                boolean training = i < trainCount;
                try (NDManager m = job.context().manager().newSubManager()) {
                    PairBatch b = PairBatch.of(chunk, pad, true);
                    SequenceLogProbs.Result r = logps(model, b, m, training);
                    referencePasses++;
                    float[] sum = r.sum().toType(DataType.FLOAT32, false).toFloatArray();
                    float[] mean = r.mean().toType(DataType.FLOAT32, false).toFloatArray();
                    int p = chunk.size();
                    for (int k = 0; k < p; k++) {
                        int idx = chunk.get(k).index();
                        ref[0][idx] = sum[k];
                        ref[1][idx] = sum[p + k];
                        ref[2][idx] = mean[k];
                        ref[3][idx] = mean[p + k];
                    }
                }
                progress.advance(1, Map.of());
                i = end - batchSize; // the loop adds batchSize
            }
        }
        return ref;
    }

    private static SequenceLogProbs.Result logps(LanguageModel model, PairBatch b, NDManager m, boolean training) {
        NDArray logits = model.forward(new ForwardInput(b.idsArray(m), null, null, training));
        return SequenceLogProbs.of(logits, b.labelsArray(m));
    }

    private LossFunction<PairBatch> lossFunction(TrainableStrategy.Prepared prepared, double[][] ref,
            boolean onTheFly, Metrics metrics) {
        return (model, batch, step, training) -> {
            metrics.beforeBatch(training);
            int p = batch.pairs();
            NDArray ids = batch.idsArray(step);
            NDArray labels = batch.labelsArray(step);
            NDArray logits = model.forward(new ForwardInput(ids, null, null, training));
            // Taken now: an on-the-fly reference forward below would replace it.
            Optional<NDArray> aux = AuxiliaryLoss.ofLastForward(model, training, s.auxLoss());
            SequenceLogProbs.Result pol = SequenceLogProbs.of(logits, labels);
            NDArray values = averaged() ? pol.mean() : pol.sum();
            NDIndex firstHalf = new NDIndex("0:" + p);
            NDIndex secondHalf = new NDIndex(p + ":" + (2 * p));
            NDArray first = values.get(firstHalf);
            NDArray second = values.get(secondHalf);
            NDArray refFirst = null;
            NDArray refSecond = null;
            if (needsReference()) {
                if (onTheFly) {
                    SequenceLogProbs.Result r = prepared.withAdaptersDisabled(() -> logps(model, batch, step,
                            training));
                    referencePasses++;
                    NDArray rv = (averaged() ? r.mean() : r.sum()).stopGradient();
                    refFirst = rv.get(firstHalf);
                    refSecond = rv.get(secondHalf);
                } else {
                    int col = averaged() ? 2 : 0;
                    float[] a = new float[p];
                    float[] c = new float[p];
                    for (int k = 0; k < p; k++) {
                        int idx = batch.units().get(k).index();
                        a[k] = (float) ref[col][idx];
                        c[k] = (float) ref[col + 1][idx];
                    }
                    refFirst = step.create(a).toType(first.getDataType(), false);
                    refSecond = step.create(c).toType(first.getDataType(), false);
                }
            }
            NDArray pairs = step.full(new Shape(), (float) p, first.getDataType());
            NDArray summed;
            Map<String, Double> extraStats = new LinkedHashMap<>();
            NDArray chosenRewards;
            NDArray rejectedRewards;
            NDArray chosenLogps = first;
            NDArray rejectedLogps = second;
            switch (s.kind()) {
                case DPO: {
                    PreferenceLosses.Output o = PreferenceLosses.dpo(s.dpoLoss(), first, second, refFirst, refSecond,
                            s.beta(), s.labelSmoothing());
                    summed = o.losses().sum();
                    chosenRewards = o.chosenRewards();
                    rejectedRewards = o.rejectedRewards();
                    break;
                }
                case ORPO: {
                    NDArray chosenLogits = logits.get(firstHalf);
                    NDArray nll = PreferenceLosses.orpoNll(chosenLogits, ids.get(firstHalf),
                            batch.maskArray(step).get(firstHalf));
                    PreferenceLosses.OrpoOutput o = PreferenceLosses.orpo(first, second, nll, s.beta());
                    summed = o.loss().mul(pairs);
                    chosenRewards = o.chosenRewards();
                    rejectedRewards = o.rejectedRewards();
                    extraStats.put("nll_loss", (double) nll.getFloat());
                    extraStats.put("log_odds_ratio", (double) o.logSigmoidOdds().mean().getFloat());
                    break;
                }
                case SIMPO: {
                    NDArray nll = null;
                    if (s.cpoAlpha() != 0) {
                        nll = TokenLoss.shiftedNll(logits.get(firstHalf), labels.get(firstHalf)).mean();
                        extraStats.put("nll_loss", (double) nll.getFloat());
                    }
                    PreferenceLosses.Output o = PreferenceLosses.simpo(first, second, nll, s.beta(), s.gamma(),
                            s.labelSmoothing(), s.cpoAlpha());
                    summed = o.loss().mul(pairs);
                    chosenRewards = o.chosenRewards();
                    rejectedRewards = o.rejectedRewards();
                    break;
                }
                case KTO: {
                    int d = batch.desirableCount();
                    NDArray z = PreferenceLosses.ktoReferencePoint(second, refSecond);
                    NDIndex des = new NDIndex("0:" + d);
                    NDIndex und = new NDIndex(d + ":" + p);
                    PreferenceLosses.Output o = PreferenceLosses.kto(
                            d > 0 ? first.get(des) : null, d > 0 ? refFirst.get(des) : null,
                            d < p ? first.get(und) : null, d < p ? refFirst.get(und) : null,
                            z, s.beta(), s.desirableWeight(), s.undesirableWeight());
                    summed = o.losses().sum();
                    chosenRewards = o.chosenRewards();
                    rejectedRewards = o.rejectedRewards();
                    chosenLogps = d > 0 ? first.get(des) : null;
                    rejectedLogps = d < p ? first.get(und) : null;
                    extraStats.put("kl", (double) z.getFloat());
                    break;
                }
                default:
                    throw new AssertionError(s.kind());
            }
            if (aux.isPresent()) {
                // TRL: losses + aux_loss_coef * aux_loss per pair (our term is already weighted by the coefficient).
                summed = AuxiliaryLoss.addWeighted(summed, aux.get(), p, step);
                extraStats.put("aux_loss", (double) aux.get().getFloat());
            }
            metrics.add(training, batch, summed.getFloat(), floats(chosenRewards), floats(rejectedRewards),
                    floats(chosenLogps), floats(rejectedLogps), s.kind() != Kind.KTO, extraStats);
            return new TokenLoss.Sum(summed, p);
        };
    }

    /**
     * The summed loss of one micro-batch against a reference table ({@code [firstSum, secondSum, firstMean,
     * secondMean]} by unit index; null for ORPO/SimPO), as training computes it; for tests.
     */
    TokenLoss.Sum batchLoss(LanguageModel model, PairBatch batch, double[][] ref, NDManager step) {
        return lossFunction(null, ref, false, new Metrics((stream, row) -> {}, 1, 1)).compute(model, batch, step,
                false);
    }

    private static float[] floats(NDArray a) {
        return a == null || a.size() == 0 ? new float[0]
                : a.stopGradient().toType(DataType.FLOAT32, false).toFloatArray();
    }

    /** Accumulates per-batch statistics into per-logging-window rows with TRL's metric names. */
    private static final class Metrics {
        private final RunContext.MetricsSink sink;
        private final long total;
        private final int logEvery;
        private final Window train = new Window();
        private final Window eval = new Window();
        private long step;
        private boolean trainingStarted;
        private Map<String, Double> last = Map.of();

        Metrics(RunContext.MetricsSink sink, long total, int logEvery) {
            this.sink = sink;
            this.total = total;
            this.logEvery = Math.max(1, logEvery);
        }

        void beforeBatch(boolean training) {
            if (training && !trainingStarted) {
                trainingStarted = true;
                flushEval(0);
            }
        }

        void add(boolean training, PairBatch batch, double lossSum, float[] cr, float[] rr, float[] cl, float[] rl,
                boolean paired, Map<String, Double> extra) {
            Window w = training ? train : eval;
            w.add(batch.pairs(), lossSum, cr, rr, cl, rl, paired, extra);
            if (training && batch.endsStep()) {
                step++;
                if (step % logEvery == 0 || step == total) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("step", step);
                    Map<String, Double> values = train.drain();
                    row.putAll(values);
                    last = values;
                    sink.record("preference", row);
                }
            }
        }

        void flushEval(long atStep) {
            if (eval.pairs == 0) {
                return;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("step", atStep);
            eval.drain().forEach((k, v) -> row.put("eval_" + k, v));
            sink.record("eval_preference", row);
        }

        Map<String, Double> last() {
            Map<String, Double> out = new LinkedHashMap<>();
            last.forEach((k, v) -> {
                if (!"loss".equals(k)) {
                    out.put(k, v);
                }
            });
            return out;
        }
    }

    private static final class Window {
        long pairs;
        double loss;
        double chosen;
        long chosenN;
        double rejected;
        long rejectedN;
        double correct;
        double margin;
        long compared;
        double chosenLogps;
        double rejectedLogps;
        final Map<String, double[]> extra = new LinkedHashMap<>();

        void add(int p, double lossSum, float[] cr, float[] rr, float[] cl, float[] rl, boolean paired,
                Map<String, Double> ex) {
            pairs += p;
            loss += lossSum;
            for (float v : cr) {
                chosen += v;
            }
            chosenN += cr.length;
            for (float v : rr) {
                rejected += v;
            }
            rejectedN += rr.length;
            for (float v : cl) {
                chosenLogps += v;
            }
            for (float v : rl) {
                rejectedLogps += v;
            }
            if (paired) {
                for (int k = 0; k < cr.length; k++) {
                    correct += cr[k] > rr[k] ? 1 : 0;
                    margin += cr[k] - rr[k];
                }
                compared += cr.length;
            }
            ex.forEach((k, v) -> {
                double[] acc = extra.computeIfAbsent(k, x -> new double[2]);
                acc[0] += v * p;
                acc[1] += p;
            });
        }

        Map<String, Double> drain() {
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("loss", pairs == 0 ? Double.NaN : loss / pairs);
            double c = chosenN == 0 ? Double.NaN : chosen / chosenN;
            double r = rejectedN == 0 ? Double.NaN : rejected / rejectedN;
            row.put("rewards/chosen", c);
            row.put("rewards/rejected", r);
            if (compared > 0) {
                row.put("rewards/accuracies", correct / compared);
                row.put("rewards/margins", margin / compared);
            } else {
                row.put("rewards/margins", c - r);
            }
            row.put("logps/chosen", chosenN == 0 ? Double.NaN : chosenLogps / chosenN);
            row.put("logps/rejected", rejectedN == 0 ? Double.NaN : rejectedLogps / rejectedN);
            extra.forEach((k, acc) -> row.put(k, acc[0] / acc[1]));
            // A side with no example in the window (KTO) has no value: leave it out rather than write NaN.
            row.values().removeIf(v -> !Double.isFinite(v));
            pairs = 0;
            loss = chosen = rejected = correct = margin = chosenLogps = rejectedLogps = 0;
            chosenN = rejectedN = compared = 0;
            extra.clear();
            return row;
        }
    }
}
