package dev.longtune.serve;

/** A validated {@code POST /v1/completions} body: a text prompt continued as is (BOS added, like {@code generate}). */
record CompletionRequest(String model, String prompt, SamplingParams sampling) {}
