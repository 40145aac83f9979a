package dev.longtune.training.sft;

import ai.djl.ndarray.NDArray;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.DataRecord;
import dev.longtune.api.FineTuningMethod;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.training.data.Batches;
import dev.longtune.training.data.SftBatch;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import dev.longtune.training.loop.BatchSource;
import dev.longtune.training.loop.LossFunction;
import dev.longtune.training.loop.TrainingLoop;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Full fine-tuning: every parameter of the model (tied weights once) trains, except what {@link SftOptions} freezes;
 * the loss is the token NLL of the completion (and of the prompt with {@code data.train_on_prompt}).
 */
public final class SftMethod implements FineTuningMethod {

    private static final Pattern LAYER = Pattern.compile("^model\\.layers\\.(\\d+)\\.");

    /** The SFT loss: logits of the whole padded batch, shifted NLL against the labels. */
    public static final LossFunction<SftBatch> LOSS = (model, batch, step, training) -> {
        NDArray ids = batch.idsArray(step);
        NDArray labels = batch.labelsArray(step);
        NDArray logits = model.forward(new ForwardInput(ids, null, null, training));
        return TokenLoss.shiftedNll(logits, labels);
    };

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
        job.context().metrics().record("data", dataRow);
        if (train.isEmpty()) {
            throw new LongtuneException("all " + job.train().size() + " training records were skipped: none has a "
                    + "completion token within data.max_length=" + job.data().maxLength() + "; raise it");
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
                return Batches.epoch(train, batchSize, pad, seed, epoch);
            }
        };
        List<SftBatch> evalBatches = Batches.inOrder(held, batchSize, pad);

        Map<String, NDArray> trainable = trainable(model);
        try {
            TrainingOutcome out = new TrainingLoop(job.training(), job.context())
                    .run(model, trainable, source, evalBatches, LOSS);
            Map<String, Double> extra = new LinkedHashMap<>(out.extra());
            extra.put("train_examples", (double) train.size());
            extra.put("train_truncated", (double) trainTruncated);
            extra.put("train_skipped", (double) trainSkipped);
            extra.put("trainable_parameters", (double) trainable.values().stream().mapToLong(NDArray::size).sum());
            return new TrainingOutcome(out.steps(), out.tokens(), out.finalLoss(), out.seconds(), extra);
        } finally {
            // Leave the model as loaded: frozen, so later inference never records a graph.
            for (NDArray p : trainable.values()) {
                p.setRequiresGradient(false);
            }
        }
    }

    /**
     * The parameters this method trains, marked {@code requiresGradient(true)}; the others are marked frozen.
     * {@code LanguageModel.parameters()} lists tied weights once, so a tied embedding/head is updated once per step.
     *
     * <p>The set is the union of this method's own choice ({@link SftOptions}) and every parameter whose name
     * contains one of the model's context extension's {@link ContextExtension#trainableParameters()} substrings
     * (LongLoRA: {@code embed} and {@code norm}), which win over {@code train_embeddings=false} and
     * {@code freeze_layers}.
     */
    public Map<String, NDArray> trainable(LanguageModel model) {
        List<String> required = model.contextExtension().map(ContextExtension::trainableParameters)
                .orElse(List.of());
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            String name = e.getKey();
            boolean train = trains(name) || required.stream().anyMatch(name::contains);
            e.getValue().setRequiresGradient(train);
            if (train) {
                out.put(e.getKey(), e.getValue());
            }
        }
        if (out.isEmpty()) {
            throw new LongtuneException("method sft: the options freeze every parameter of the model (freeze_layers="
                    + options.freezeLayers() + ", train_embeddings=" + options.trainEmbeddings() + ")");
        }
        return out;
    }

    private boolean trains(String name) {
        if (!options.trainEmbeddings() && (name.contains("embed_tokens") || name.startsWith("lm_head"))) {
            return false;
        }
        Matcher m = LAYER.matcher(name);
        return !(m.find() && Integer.parseInt(m.group(1)) < options.freezeLayers());
    }

    private static List<SftExample> encode(List<DataRecord> records, TrainingJob job, SftEncoder encoder) {
        List<SftExample> out = new ArrayList<>(records.size());
        for (DataRecord r : records) {
            encoder.encode(job.context().format(r), r).ifPresent(out::add);
        }
        return out;
    }
}
