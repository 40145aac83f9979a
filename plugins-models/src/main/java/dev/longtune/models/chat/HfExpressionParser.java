package dev.longtune.models.chat;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.AdditionOperator;
import com.hubspot.jinjava.el.ext.AstRangeBracket;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.NamedParameterOperator;
import com.hubspot.jinjava.objects.collections.PyList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Parser.ExtensionHandler;
import jinjava.de.odysseus.el.tree.impl.Parser.ExtensionPoint;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstIdentifier;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

/**
 * Jinjava's expression parser with Jinja2 rules it gets wrong, all found in Hub chat templates:
 *
 * <ul>
 *   <li>{@code n+1} without spaces is addition (Jinjava scanned {@code +1} as its unary abs operator and failed);
 *   <li>a keyword argument's value is a whole expression: {@code namespace(i=messages|length - 1)};
 *   <li>{@code not} binds more loosely than comparisons and tests: {@code not x is defined} is
 *       {@code not (x is defined)} (Jinjava read {@code (not x) is defined}, always true);
 *   <li>slices take a step: {@code messages[::-1]}, {@code s[1:10:2]}.
 * </ul>
 */
final class HfExpressionParser extends ExtendedParser {

    /** The builder Jinjava's expression factory is given, creating this parser. */
    static final class SyntaxBuilder extends ExtendedSyntaxBuilder {
        private static final long serialVersionUID = 1L;

        SyntaxBuilder(Builder.Feature... features) {
            super(features);
        }

        @Override
        protected Parser createParser(String expression) {
            return new HfExpressionParser(this, expression);
        }
    }

    HfExpressionParser(Builder context, String input) {
        super(context, input);
    }

    @Override
    protected AstNode eq(boolean required) throws Scanner.ScanException, ParseException {
        if (getToken().getSymbol() == Scanner.Symbol.NOT) {
            consumeToken();
            return createAstUnary(eq(true), AstUnary.NOT);
        }
        return super.eq(required);
    }

    /**
     * ExtendedParser.add(), except that a keyword argument's value is a whole expression:
     * {@code namespace(i=messages|length - 1)} is {@code i=(messages|length - 1)}, not {@code (i=...) - 1}.
     */
    @Override
    protected AstNode add(boolean required) throws Scanner.ScanException, ParseException {
        AstNode v = mul(required);
        if (v == null) {
            return null;
        }
        while (true) {
            switch (getToken().getSymbol()) {
                case PLUS:
                    consumeToken();
                    v = createAstBinary(v, mul(true), AdditionOperator.OP);
                    break;
                case MINUS:
                    consumeToken();
                    v = createAstBinary(v, mul(true), AstBinary.SUB);
                    break;
                case EXTENSION:
                    if ("+".equals(getToken().getImage())) {
                        // Jinjava scans "+" before a digit as its unary "+" (abs): in "n+1" it is addition.
                        consumeToken();
                        v = createAstBinary(v, mul(true), AdditionOperator.OP);
                        break;
                    }
                    if (getExtensionHandler(getToken()).getExtensionPoint() == ExtensionPoint.ADD) {
                        boolean keyword = v instanceof AstIdentifier
                                && NamedParameterOperator.TOKEN.getImage().equals(getToken().getImage());
                        ExtensionHandler handler = getExtensionHandler(consumeToken());
                        if (keyword) {
                            return handler.createAstNode(v, expr(true));
                        }
                        v = handler.createAstNode(v, mul(true));
                        break;
                    }
                    return v;
                default:
                    return v;
            }
        }
    }

    /** ExtendedParser.value() (natural operator precedence), with a third, step, part in slices. */
    @Override
    protected AstNode value() throws Scanner.ScanException, ParseException {
        boolean lvalue = true;
        AstNode v = nonliteral();
        if (v == null) {
            v = literal();
            if (v == null) {
                return null;
            }
            lvalue = false;
        }
        while (true) {
            switch (getToken().getSymbol()) {
                case DOT: {
                    consumeToken();
                    String name = consumeToken(Scanner.Symbol.IDENTIFIER).getImage();
                    AstDot dot = createAstDot(v, name, lvalue);
                    if (getToken().getSymbol() == Scanner.Symbol.LPAREN
                            && context.isEnabled(Builder.Feature.METHOD_INVOCATIONS)) {
                        v = createAstMethod(dot, params());
                    } else {
                        v = dot;
                    }
                    break;
                }
                case LBRACK: {
                    consumeToken();
                    AstNode property = expr(false);
                    boolean strict = !context.isEnabled(Builder.Feature.NULL_PROPERTIES);
                    Scanner.Token next = consumeToken();
                    if (next.getSymbol() == Scanner.Symbol.COLON) {
                        AstNode rangeMax = expr(false);
                        if (getToken().getSymbol() == Scanner.Symbol.COLON) {
                            consumeToken();
                            AstNode step = expr(false);
                            consumeToken(Scanner.Symbol.RBRACK);
                            v = new SteppedSlice(v, property, rangeMax, step, lvalue, strict,
                                    context.isEnabled(Builder.Feature.IGNORE_RETURN_TYPE));
                        } else {
                            consumeToken(Scanner.Symbol.RBRACK);
                            v = createAstRangeBracket(v, property, rangeMax, lvalue, strict);
                        }
                    } else if (next.getSymbol() == Scanner.Symbol.RBRACK) {
                        AstBracket bracket = createAstBracket(v, property, lvalue, strict);
                        if (getToken().getSymbol() == Scanner.Symbol.LPAREN
                                && context.isEnabled(Builder.Feature.METHOD_INVOCATIONS)) {
                            v = createAstMethod(bracket, params());
                        } else {
                            v = bracket;
                        }
                    } else {
                        fail(Scanner.Symbol.RBRACK);
                    }
                    break;
                }
                default:
                    return v;
            }
        }
    }

    /** {@code seq[start:stop:step]} with Python's rules for missing and negative bounds. */
    static final class SteppedSlice extends AstRangeBracket {
        private final AstNode step;

        SteppedSlice(AstNode base, AstNode start, AstNode stop, AstNode step, boolean lvalue, boolean strict,
                boolean ignoreReturnType) {
            super(base, start, stop, lvalue, strict, ignoreReturnType);
            this.step = step;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object base = prefix.eval(bindings, context);
            if (base == null) {
                throw new ELException("cannot slice " + prefix + ": it is undefined");
            }
            List<Object> items;
            if (base instanceof String s) {
                items = new ArrayList<>();
                s.codePoints().forEach(c -> items.add(new String(Character.toChars(c))));
            } else if (base instanceof Iterable<?> it) {
                items = new ArrayList<>();
                it.forEach(items::add);
            } else if (base instanceof Object[] arr) {
                items = Arrays.asList(arr);
            } else {
                throw new ELException(prefix + " is not a sequence");
            }
            Integer st = bound(step, bindings, context);
            int by = st == null ? 1 : st;
            if (by == 0) {
                throw new ELException("slice step cannot be zero");
            }
            int n = items.size();
            int from = adjust(bound(property, bindings, context), n, by, by > 0 ? 0 : n - 1);
            int to = adjust(bound(rangeMax, bindings, context), n, by, by > 0 ? n : -1);
            List<Object> out = new ArrayList<>();
            for (int i = from; by > 0 ? i < to : i > to; i += by) {
                out.add(items.get(i));
            }
            if (base instanceof String) {
                StringBuilder b = new StringBuilder();
                out.forEach(b::append);
                return b.toString();
            }
            return new PyList(out);
        }

        private static Integer bound(AstNode node, Bindings bindings, ELContext context) {
            if (node == null) {
                return null;
            }
            Object v = node.eval(bindings, context);
            if (v == null) {
                return null;
            }
            if (!(v instanceof Number)) {
                throw new ELException("slice bound is not a number: " + v);
            }
            return ((Number) v).intValue();
        }

        /** CPython's PySlice_AdjustIndices for one bound. */
        private static int adjust(Integer given, int n, int step, int dflt) {
            if (given == null) {
                return dflt;
            }
            int i = given;
            if (i < 0) {
                i += n;
                if (i < 0) {
                    i = step < 0 ? -1 : 0;
                }
            } else if (i >= n) {
                i = step < 0 ? n - 1 : n;
            }
            return i;
        }

        @Override
        public String toString() {
            return "[::]";
        }
    }
}
