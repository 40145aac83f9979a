package dev.longtune.host.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A YAML document read into a Jackson tree while remembering the line of every key, so that any error found later
 * (binding, validation) can say "training.learning_rate (line 12)". Jackson's tree model drops locations; this
 * walks the token stream once and records them by dotted path ({@code evaluation[0].stride}).
 */
public final class YamlTree {

    private static final YAMLFactory YAML = new YAMLFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ObjectNode root;
    private final Map<String, Integer> lines;

    private YamlTree(ObjectNode root, Map<String, Integer> lines) {
        this.root = root;
        this.lines = lines;
    }

    /** Parses {@code text}; {@code source} names the file in errors. The top level must be a mapping. */
    public static YamlTree parse(String text, String source) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = YAML.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return new YamlTree(NODES.objectNode(), lines);
            }
            if (first != JsonToken.START_OBJECT) {
                throw new LongtuneException(source + ": expected a YAML mapping (key: value lines) at the top level");
            }
            return new YamlTree((ObjectNode) read(p, "", lines), lines);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new LongtuneException(source + (line > 0 ? ":" + line : "") + ": not valid YAML: "
                    + e.getOriginalMessage().split("\n")[0]);
        } catch (IOException e) {
            throw new LongtuneException(source + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static JsonNode read(JsonParser p, String path, Map<String, Integer> lines) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    String child = path.isEmpty() ? name : path + "." + name;
                    if (o.has(name)) {
                        throw new LongtuneException("line " + p.currentLocation().getLineNr() + ": key '" + child
                                + "' appears twice");
                    }
                    lines.put(child, p.currentLocation().getLineNr());
                    p.nextToken();
                    o.set(name, read(p, child, lines));
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    String child = path + "[" + i++ + "]";
                    lines.put(child, p.currentTokenLocation().getLineNr());
                    a.add(read(p, child, lines));
                }
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return NODES.numberNode(p.getLongValue());
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDoubleValue());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return NODES.booleanNode(t == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new LongtuneException("unexpected YAML token " + t + " at " + path);
        }
    }

    /** Parses one scalar or flow value as YAML would ({@code 2.0}, {@code true}, {@code [a, b]}, {@code text}). */
    public static JsonNode parseValue(String text) {
        YamlTree t = parse("v: " + text, "--set value");
        return t.root.get("v");
    }

    public ObjectNode root() {
        return root;
    }

    /** Line of a dotted path, or -1 when unknown (e.g. set with {@code --set}). */
    public int lineOf(String path) {
        return lines.getOrDefault(path, -1);
    }

    /** Forgets the line of a path whose value was replaced by an override. */
    void markOverridden(String path) {
        lines.remove(path);
    }
}
