package dev.longtune.host.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies {@code --set path.to.key=value} overrides to a config tree (torchtune's {@code key=value}). The value is
 * parsed as YAML ({@code 2.0} is a number, {@code [a, b]} a list); list elements are addressed as
 * {@code evaluation[0].stride}. Missing mappings on the way are created; a path through a scalar is an error.
 */
public final class Overrides {

    private static final Pattern SEGMENT = Pattern.compile("([A-Za-z0-9_\\-]+)((?:\\[\\d+])*)");
    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");

    private Overrides() {}

    public static void apply(YamlTree tree, List<String> assignments) {
        for (String a : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new LongtuneException("--set '" + a + "': expected path.to.key=value");
            }
            String path = a.substring(0, eq).trim();
            JsonNode value = YamlTree.parseValue(a.substring(eq + 1));
            set(tree.root(), path, value, a);
            tree.markOverridden(path);
        }
    }

    static void set(ObjectNode root, String path, JsonNode value, String original) {
        String[] segments = path.split("\\.");
        JsonNode node = root;
        for (int s = 0; s < segments.length; s++) {
            Matcher m = SEGMENT.matcher(segments[s]);
            if (!m.matches()) {
                throw new LongtuneException("--set '" + original + "': bad path segment '" + segments[s] + "'");
            }
            String key = m.group(1);
            List<Integer> indexes = INDEX.matcher(m.group(2)).results().map(r -> Integer.parseInt(r.group(1))).toList();
            boolean last = s == segments.length - 1;
            if (!(node instanceof ObjectNode obj)) {
                throw new LongtuneException("--set '" + original + "': '" + key + "' is inside a value that is not a "
                        + "mapping");
            }
            if (indexes.isEmpty()) {
                if (last) {
                    obj.set(key, value);
                    return;
                }
                JsonNode next = obj.get(key);
                if (next == null || next.isNull()) {
                    next = obj.putObject(key);
                }
                node = next;
                continue;
            }
            JsonNode current = obj.get(key);
            for (int i = 0; i < indexes.size(); i++) {
                if (!(current instanceof ArrayNode arr)) {
                    throw new LongtuneException("--set '" + original + "': '" + key + "' is not a list");
                }
                int idx = indexes.get(i);
                if (idx > arr.size()) {
                    throw new LongtuneException("--set '" + original + "': index " + idx + " is past the end of '"
                            + key + "' (size " + arr.size() + ")");
                }
                boolean lastIndex = i == indexes.size() - 1;
                if (last && lastIndex) {
                    if (idx == arr.size()) {
                        arr.add(value);
                    } else {
                        arr.set(idx, value);
                    }
                    return;
                }
                if (idx == arr.size()) {
                    arr.add(JsonNodeFactory.instance.objectNode());
                }
                current = arr.get(idx);
            }
            node = current;
        }
    }
}
