package dev.longtune.api.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * Binds a YAML node to a typed options record, strictly: unknown keys, wrong types and nulls for primitives are
 * errors that name the YAML path (and line, when known), list the valid keys and suggest the nearest one.
 */
public final class OptionsBinder {

    /** The mapper every options record is bound with. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    /** Lines are unknown. */
    public static final ToIntFunction<String> NO_LINES = path -> -1;

    private OptionsBinder() {}

    /**
     * Binds {@code node} to {@code type}.
     *
     * @param subject what is being configured, for messages ("context extension 'linear'")
     * @param yamlPath where the node sits in the config ("context")
     * @param lineOf line of a dotted YAML path ("context.factor"), or -1 when unknown
     */
    public static <O> O bind(ObjectNode node, Class<O> type, String subject, String yamlPath,
            ToIntFunction<String> lineOf) {
        Objects.requireNonNull(node, "node");
        // Unknown keys are checked first, by us: Jackson calls a record's constructor before it reports an unknown
        // key, so a misspelt required key ("facter: 4") would otherwise surface as the constructor's "'factor' is
        // required" instead of "unknown key 'facter' — did you mean 'factor'?".
        checkKeys(node, type, subject, yamlPath, lineOf);
        try {
            return MAPPER.treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            List<String> known = new ArrayList<>();
            if (e.getKnownPropertyIds() != null) {
                e.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
            }
            known.sort(null);
            String key = e.getPropertyName();
            String path = join(yamlPath, pathOf(e, true));
            throw new LongtuneException(at(path, lineOf) + ": unknown key '" + key + "' for " + subject
                    + (known.isEmpty() ? " (it takes no options)" : "; valid keys: " + String.join(", ", known))
                    + Suggestions.didYouMean(key, known));
        } catch (InvalidFormatException e) {
            String path = join(yamlPath, pathOf(e, false));
            throw new LongtuneException(at(path, lineOf) + ": cannot read '" + e.getValue() + "' as "
                    + friendly(e.getTargetType()) + " for " + subject);
        } catch (MismatchedInputException e) {
            String path = join(yamlPath, pathOf(e, false));
            throw new LongtuneException(at(path, lineOf) + ": wrong value for " + subject + ": expected "
                    + friendly(e.getTargetType()) + " (" + e.getOriginalMessage().split("\n")[0] + ")");
        } catch (JsonMappingException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String path = join(yamlPath, pathOf(e, false));
            throw new LongtuneException(at(path, lineOf) + ": invalid options for " + subject + ": "
                    + (root.getMessage() == null ? root.toString() : root.getMessage()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new LongtuneException(at(yamlPath, lineOf) + ": invalid options for " + subject + ": "
                    + e.getOriginalMessage());
        }
    }

    /** The YAML keys a record accepts (naming strategy applied), or empty when it accepts anything. */
    static Optional<Set<String>> knownKeys(Class<?> type) {
        if (!type.isRecord() || hasDelegatingCreator(type)) {
            return Optional.empty();
        }
        BeanDescription desc = MAPPER.getDeserializationConfig().introspect(MAPPER.constructType(type));
        JsonIgnoreProperties.Value ignorals = MAPPER.getDeserializationConfig()
                .getDefaultPropertyIgnorals(type, desc.getClassInfo());
        if (ignorals.getIgnoreUnknown()) {
            return Optional.empty();
        }
        Set<String> keys = new TreeSet<>(ignorals.findIgnoredForDeserialization());
        for (BeanPropertyDefinition p : desc.findProperties()) {
            keys.add(p.getName());
        }
        return Optional.of(keys);
    }

    private static void checkKeys(JsonNode node, Class<?> type, String subject, String yamlPath,
            ToIntFunction<String> lineOf) {
        if (!node.isObject()) {
            return;
        }
        Optional<Set<String>> known = knownKeys(type);
        if (known.isEmpty()) {
            return;
        }
        BeanDescription desc = MAPPER.getDeserializationConfig().introspect(MAPPER.constructType(type));
        Map<String, Class<?>> nested = new HashMap<>();
        for (BeanPropertyDefinition p : desc.findProperties()) {
            nested.put(p.getName(), p.getRawPrimaryType());
        }
        var names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            String path = yamlPath == null || yamlPath.isEmpty() ? key : yamlPath + "." + key;
            if (!known.get().contains(key)) {
                List<String> valid = new ArrayList<>(known.get());
                throw new LongtuneException(at(path, lineOf) + ": unknown key '" + key + "' for " + subject
                        + (valid.isEmpty() ? " (it takes no options)" : "; valid keys: " + String.join(", ", valid))
                        + Suggestions.didYouMean(key, valid));
            }
            Class<?> child = nested.get(key);
            if (child != null && child.isRecord()) {
                checkKeys(node.get(key), child, subject, path, lineOf);
            }
        }
    }

    private static boolean hasDelegatingCreator(Class<?> type) {
        for (var m : type.getDeclaredMethods()) {
            if (m.isAnnotationPresent(JsonCreator.class)) {
                return true;
            }
        }
        return false;
    }

    /** "context.factor (line 8)" or just the path. */
    public static String at(String path, ToIntFunction<String> lineOf) {
        int line = lineOf.applyAsInt(path);
        return line > 0 ? path + " (line " + line + ")" : path;
    }

    private static String join(String a, String b) {
        if (b.isEmpty()) {
            return a;
        }
        return a == null || a.isEmpty() ? b : a + "." + b;
    }

    private static String pathOf(JsonMappingException e, boolean includeLast) {
        StringBuilder sb = new StringBuilder();
        List<JsonMappingException.Reference> refs = e.getPath();
        for (int i = 0; i < refs.size(); i++) {
            JsonMappingException.Reference r = refs.get(i);
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String friendly(Class<?> t) {
        if (t == null) {
            return "a value";
        }
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
            return "a whole number";
        }
        if (t == Double.class || t == double.class || t == Float.class || t == float.class) {
            return "a number";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        }
        if (t == String.class) {
            return "a string";
        }
        if (java.util.List.class.isAssignableFrom(t)) {
            return "a list";
        }
        if (t.isRecord() || java.util.Map.class.isAssignableFrom(t)) {
            return "a mapping (key: value)";
        }
        return t.getSimpleName();
    }
}
