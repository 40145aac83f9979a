package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;

/** One decoder layer's weights (biases null unless {@code attention_bias} / {@code mlp_bias}). */
record LlamaLayer(
        NDArray inputNorm,
        NDArray q, NDArray qBias,
        NDArray k, NDArray kBias,
        NDArray v, NDArray vBias,
        NDArray o, NDArray oBias,
        NDArray postNorm,
        NDArray gate, NDArray gateBias,
        NDArray up, NDArray upBias,
        NDArray down, NDArray downBias) {}
