package dev.longtune.context;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Marks a conformance test class that replaces one inherited contract test with its own, for a documented reason.
 * The contract's tests are package-private in another package, so they cannot be overridden; this condition skips
 * the named one instead, and the report shows it as skipped with {@link #because()}. The replacement test must be in
 * the same class.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ReplacesContractTest.Condition.class)
public @interface ReplacesContractTest {

    /** Name of the inherited test method. */
    String test();

    /** Why the contract's expectation does not apply, and which test checks the right one. */
    String because();

    /** Disables exactly the named inherited test. */
    final class Condition implements ExecutionCondition {

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            var annotation = context.getTestClass()
                    .flatMap(c -> AnnotationSupport.findAnnotation(c, ReplacesContractTest.class));
            var method = context.getTestMethod();
            if (annotation.isPresent() && method.isPresent()
                    && method.get().getName().equals(annotation.get().test())
                    && !method.get().getDeclaringClass().equals(context.getRequiredTestClass())) {
                return ConditionEvaluationResult.disabled("replaced: " + annotation.get().because());
            }
            return ConditionEvaluationResult.enabled("not replaced");
        }
    }
}
