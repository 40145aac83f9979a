package dev.longtune.serve;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the server refuses, answered as OpenAI does:
 * {@code {"error": {"message", "type", "param", "code"}}} with an HTTP status. Thrown anywhere while a request is
 * read and validated; the handler turns it into the response.
 */
final class ApiError extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    ApiError(int status, String type, String message, String param, String code) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400 {@code invalid_request_error} about {@code param} (may be null). */
    static ApiError invalid(String message, String param) {
        return new ApiError(400, "invalid_request_error", message, param, null);
    }

    /** 400 {@code invalid_request_error} with a machine-readable {@code code}. */
    static ApiError invalid(String message, String param, String code) {
        return new ApiError(400, "invalid_request_error", message, param, code);
    }

    /**
     * The requested model is not the one served. api.openai.com answers 404 for this; the issue asks for 400
     * (a client error about the request's body, like every other bad field), so 400 it is.
     */
    static ApiError modelNotFound(String requested, String served) {
        return invalid("The model '" + requested + "' does not exist; this server serves '" + served + "' (see "
                + "GET /v1/models)", "model", "model_not_found");
    }

    static ApiError notFound(String method, String path) {
        return new ApiError(404, "invalid_request_error", "Invalid URL (" + method + " " + path + "); this server "
                + "has POST /v1/chat/completions, POST /v1/completions and GET /v1/models", null, "not_found");
    }

    static ApiError methodNotAllowed(String method, String path, String allowed) {
        return new ApiError(405, "invalid_request_error", "Method " + method + " is not allowed for " + path
                + "; use " + allowed, null, "method_not_allowed");
    }

    static ApiError overloaded(int queued) {
        return new ApiError(503, "server_error", "The server is overloaded: " + queued + " requests are already "
                + "waiting for the model. Retry later.", null, "server_overloaded");
    }

    /** A bug or an unexpected failure; the details stay in the server's log. */
    static ApiError internal() {
        return new ApiError(500, "server_error", "The server had an error while processing your request; see the "
                + "server's log.", null, "internal_error");
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }

    String param() {
        return param;
    }

    String code() {
        return code;
    }

    ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", getMessage());
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return root;
    }
}
