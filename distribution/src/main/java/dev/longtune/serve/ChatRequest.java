package dev.longtune.serve;

import dev.longtune.api.ChatMessage;
import java.util.List;

/** A validated {@code POST /v1/chat/completions} body: messages rendered with the model's chat template. */
record ChatRequest(String model, List<ChatMessage> messages, SamplingParams sampling) {}
