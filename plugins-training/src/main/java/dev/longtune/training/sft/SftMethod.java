package dev.longtune.training.sft;

import ai.djl.ndarray.NDArray;
import dev.longtune.api.DataRecord;
import dev.longtune.api.FineTuningMethod;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.training.data.Batches;
import dev.longtune.training.data.Packing;
import dev.longtune.training.data.SftBatch;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import dev.longtune.training.loop.BatchSource;
import dev.longtune.training.loop.LossFunction;
import dev.longtune.training.loop.TrainingLoop;
import dev.longtune.training.objectives.AuxLossLog;
import dev.longtune.training.objectives.AuxiliaryLoss;
import dev.longtune.training.trains.TrainableStrategy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Supervised fine-tuning: the loss is the token NLL of the completion (and of the prompt with
 * {@code data.train_on_prompt}); what trains is the {@code trains:} strategy of {@link SftOptions} (full by default,
 * or freeze / lora / dora / qlora), plus whatever the model's context extension declares trainable.
 *
 * <p>For a model with an auxiliary training loss (Mixtral: {@code router_aux_loss_coef} × router load-balancing
 * loss) the training loss is {@code mean NLL + aux}, as transformers' {@code MixtralForCausalLM} computes it when
 * {@code output_router_logits} is on; the term is logged per logging window as {@code aux_loss} (stream
 * {@code aux_loss}) and turned off with {@code method.aux_loss: false}. The model computes it over every token of the
 * batch, padding included (transformers excludes padding through the attention mask; packed rows have none).
 * Evaluation losses never include it.
 *
 * <p>With an adapter strategy the run writes the adapter in PEFT's layout to {@code <output>/adapter/} and then
 * merges it into the base weights, so the model the host saves afterwards is a plain Hugging Face checkpoint of the
 * fine-tuned model (for QLoRA: the dequantized NF4 base plus the merged adapter, in float32).
 */
public final class SftMethod implements FineTuningMethod {

    /**
     * The SFT loss: logits of the whole padded batch, shifted NLL against the labels, plus the model's auxiliary
     * term in training ({@link AuxiliaryLoss}; none for dense models); no {@code aux_loss} metric.
     */
    public static final LossFunction<SftBatch> LOSS = loss(true, null, null);

    /**
     * The SFT loss with the auxiliary term added when {@code auxLoss} (as transformers' {@code MixtralForCausalLM}:
     * {@code loss = mean NLL + router_aux_loss_coef × load-balancing loss}), its value logged to {@code log} (may be
     * null) with the step ends marked in {@code stepEnds} (may be null: every micro-batch ends a step).
     */
    public static LossFunction<SftBatch> loss(boolean auxLoss, AuxLossLog log, Set<SftBatch> stepEnds) {
        return (model, batch, step, training) -> {
            NDArray ids = batch.idsArray(step);
            NDArray labels = batch.labelsArray(step);
            NDArray logits = model.forward(batch.packed()
                    ? ForwardInput.packed(ids, batch.positionsArray(step), batch.segmentsArray(step), training)
                    : new ForwardInput(ids, null, null, training));
            TokenLoss.Sum nll = TokenLoss.shiftedNll(logits, labels);
            if (!training) {
                return nll;
            }
            Optional<NDArray> aux = AuxiliaryLoss.ofLastForward(model, true, auxLoss);
            if (log != null) {
                log.add(aux.isPresent() ? aux.get().getFloat() : Double.NaN,
                        stepEnds == null || stepEnds.contains(batch));
            }
            return aux.isEmpty() ? nll
                    : new TokenLoss.Sum(AuxiliaryLoss.addWeighted(nll.sum(), aux.get(), nll.tokens(), step),
                            nll.tokens());
        };
    }

    private final SftOptions options;

    public SftMethod(SftOptions options) {
        this.options = options;
    }

    @Override
    public TrainingOutcome train(TrainingJob job) throws IOException {
        LanguageModel model = job.model();
        SftEncoder encoder = new SftEncoder(model.tokenizer(), job.data());
        List<SftExample> train = encode(job.train(), job, encoder);
        long trainTruncated = encoder.truncated();
        long trainSkipped = encoder.skipped();
        List<SftExample> held = encode(job.eval(), job, encoder);
        Map<String, Object> dataRow = new LinkedHashMap<>();
        dataRow.put("train_records", (long) job.train().size());
        dataRow.put("train_examples", (long) train.size());
        dataRow.put("train_truncated", trainTruncated);
        dataRow.put("train_skipped", trainSkipped);
        dataRow.put("eval_records", (long) job.eval().size());
        dataRow.put("eval_examples", (long) held.size());
        dataRow.put("eval_truncated", encoder.truncated() - trainTruncated);
        dataRow.put("eval_skipped", encoder.skipped() - trainSkipped);
        dataRow.put("max_length", (long) job.data().maxLength());
        if (job.data().maxPromptLength() != null) {
            dataRow.put("max_prompt_length", (long) job.data().maxPromptLength());
        }
        job.context().metrics().record("data", dataRow);
        if (train.isEmpty()) {
            throw new LongtuneException("all " + job.train().size() + " training records were skipped: none has a "
                    + "completion token within data.max_length=" + job.data().maxLength() + "; raise it, or set "
                    + "data.max_prompt_length below it so long prompts are cut in the middle instead");
        }

        int batchSize = job.training().batchSize();
        int pad = Batches.padId(model.tokenizer());
        long seed = job.context().seed();
        BatchSource<SftBatch> source = new BatchSource<>() {
            @Override
            public int batchesPerEpoch() {
                return Batches.count(train.size(), batchSize);
            }

            @Override
            public List<SftBatch> epoch(int epoch) {
                return Batches.epoch(train, batchSize, pad, seed, epoch, job.training().groupByLength());
            }
        };
        List<SftBatch> evalBatches = Batches.inOrder(held, batchSize, pad);
        if (job.data().packing()) {
            // data.packing (spec D.6): best-fit-decreasing rows of max_length, shuffled as rows each epoch.
            refuseShiftedSparse(model);
            List<List<SftExample>> rows = Packing.pack(train, job.data().maxLength());
            source = new BatchSource<>() {
                @Override
                public int batchesPerEpoch() {
                    return Batches.count(rows.size(), batchSize);
                }

                @Override
                public List<SftBatch> epoch(int epoch) {
                    return Packing.epoch(rows, batchSize, pad, seed, epoch);
                }
            };
            evalBatches = Packing.inOrder(Packing.pack(held, job.data().maxLength()), batchSize, pad);
        }

        // aux_loss metric: the loop groups each epoch's micro-batches into optimiser steps of
        // gradient_accumulation_steps (the last step of an epoch may be shorter); mark the last of each group.
        int accumulation = Math.max(1, job.training().gradientAccumulationSteps());
        Set<SftBatch> stepEnds = Collections.newSetFromMap(new IdentityHashMap<>());
        BatchSource<SftBatch> plain = source;
        source = new BatchSource<>() {
            @Override
            public int batchesPerEpoch() {
                return plain.batchesPerEpoch();
            }

            @Override
            public List<SftBatch> epoch(int epoch) {
                List<SftBatch> batches = plain.epoch(epoch);
                stepEnds.clear();
                for (int i = 0; i < batches.size(); i++) {
                    if (i % accumulation == accumulation - 1 || i == batches.size() - 1) {
                        stepEnds.add(batches.get(i));
                    }
                }
                return batches;
            }
        };
        AuxLossLog auxLog = new AuxLossLog(job.context().metrics(), job.training().logEvery(),
                TrainingLoop.totalSteps(job.training(), source.batchesPerEpoch()));

        try (TrainableStrategy.Prepared prepared = options.strategy().prepare(model, job.context())) {
            Map<String, NDArray> trainable = prepared.trainable();
            TrainingOutcome out = new TrainingLoop(job.training(), job.context())
                    .withCheckpointFiles(prepared::writeCheckpointFiles)
                    .run(model, trainable, prepared.learningRateScale(), source, evalBatches,
                            loss(options.auxLoss(), auxLog, stepEnds));
            Map<String, Double> extra = new LinkedHashMap<>(out.extra());
            if (!Double.isNaN(auxLog.last())) {
                extra.put("aux_loss", auxLog.last());
            }
            extra.put("train_examples", (double) train.size());
            extra.put("train_truncated", (double) trainTruncated);
            extra.put("train_skipped", (double) trainSkipped);
            extra.put("trainable_parameters", (double) trainable.values().stream().mapToLong(NDArray::size).sum());
            if (prepared.hasFrozenBase()) {
                // Adapter strategies: the adapter in PEFT's layout under <output>/adapter/, then the adapters are
                // merged so the model the host saves is a plain Hugging Face checkpoint of the fine-tuned weights.
                prepared.export(job.context().outputDir().resolve(ADAPTER_DIR));
                prepared.merge();
            }
            try {
                dev.longtune.training.plot.LossPlot.writeFromMetrics(job.context().outputDir()); // loss.png
            } catch (IOException | RuntimeException e) {
                System.err.println("warning: could not write loss.png: " + e);
            }
            return new TrainingOutcome(out.steps(), out.tokens(), out.finalLoss(), out.seconds(), extra);
        }
        // Closing the strategy leaves the model frozen, so later inference never records a graph.
    }

    /** Packing needs block-diagonal attention, which S²-Attn's shifted groups cannot give: refused up front. */
    static void refuseShiftedSparse(LanguageModel model) {
        model.contextExtension().ifPresent(ext -> {
            if (ext.attention(true) instanceof dev.longtune.api.AttentionPattern.ShiftedSparse) {
                throw new LongtuneException("data.packing cannot be combined with shifted sparse attention "
                        + "(S²-Attn) of context extension '" + ext.name() + "': its shifted groups would attend "
                        + "across packed documents; turn one of them off");
            }
        });
    }

    /** Where an adapter strategy's PEFT adapter is written, under the run's output directory. */
    public static final String ADAPTER_DIR = "adapter";

    /**
     * The parameters a {@code full}/{@code freeze} strategy of these options trains, marked
     * {@code requiresGradient(true)} (the others frozen), including the context extension's trainables. Kept for
     * tests and callers that drive {@link TrainingLoop} themselves.
     *
     * @deprecated use {@code options.strategy().prepare(model, context)}, which also handles adapter strategies
     *     (this leaves adapters installed with nothing to remove them) and needs the run's seed
     */
    @Deprecated
    public Map<String, NDArray> trainable(LanguageModel model) {
        try {
            return options.strategy().prepare(model, null).trainable();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<SftExample> encode(List<DataRecord> records, TrainingJob job, SftEncoder encoder) {
        List<SftExample> out = new ArrayList<>(records.size());
        String format = job.data().format() == null ? "" : job.data().format();
        boolean chatFormat = format.equals("sharegpt") || format.equals("openai");
        for (DataRecord r : records) {
            if (chatFormat || dev.longtune.api.data.ChatRecords.isConversation(r)) {
                // Chat SFT: rendered with the model's chat template, loss on the assistant turns only.
                dev.longtune.api.ChatTemplate template = job.model().chatTemplate().orElseThrow(() ->
                        new LongtuneException(r.where() + ": a conversation record needs a chat template, and the "
                                + "model has none"));
                encoder.encodeChat(dev.longtune.api.data.ChatRecords.read(chatFormat ? format : "auto", r),
                        template, r).ifPresent(out::add);
                continue;
            }
            encoder.encode(job.context().format(r), r).ifPresent(out::add);
        }
        return out;
    }
}
