package tern.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Expander against the forms of postconf(5), each checked with Postfix 3.7's postconf -x. */
class ExpanderTest {
    private final Map<String, String> values = new HashMap<>(Map.of(
            "myhostname", "mx.example.test",
            "mydomain", "example.test",
            "mail_name", "Postfix",
            "empty", "",
            "indirect", "$empty",
            "compatibility_level", "3.6"));

    private String x(String text) throws ConfigException {
        return new Expander(values::get).expand(text);
    }

    @Test
    void plainReferences() throws ConfigException {
        assertThat(x("$myhostname ESMTP $mail_name")).isEqualTo("mx.example.test ESMTP Postfix");
        assertThat(x("${myhostname}/$(mail_name)")).isEqualTo("mx.example.test/Postfix");
        assertThat(x("a$$b")).isEqualTo("a$b");
        assertThat(x("$nosuch|")).isEqualTo("|");
        assertThat(x("$myhostname}")).isEqualTo("mx.example.test}");
    }

    @Test
    void recursiveExpansion() throws ConfigException {
        values.put("mydestination", "$myhostname, localhost.$mydomain, localhost");
        values.put("relay_domains", "$mydestination");
        assertThat(x("$relay_domains")).isEqualTo("mx.example.test, localhost.example.test, localhost");
        values.put("dollar", "a$$b");
        assertThat(x("$dollar")).as("$$ is literal and not expanded again").isEqualTo("a$b");
    }

    @Test
    void conditionals() throws ConfigException {
        assertThat(x("${mydomain?yes}")).isEqualTo("yes");
        assertThat(x("${empty?yes}")).isEqualTo("");
        assertThat(x("${nosuch?yes}")).isEqualTo("");
        assertThat(x("${mydomain:no}")).isEqualTo("");
        assertThat(x("${empty:no}")).isEqualTo("no");
        assertThat(x("${nosuch:[relay.example.test]}")).isEqualTo("[relay.example.test]");
        assertThat(x("x${mydomain?a:b}y")).as("without braces ':' is text").isEqualTo("xa:by");
        assertThat(x("x${mydomain? a }y")).isEqualTo("x a y");
        assertThat(x("${mydomain ?a}")).isEqualTo("a");
        // "non-empty" is decided on the raw value, as in Postfix: $empty is not empty text
        assertThat(x("${indirect?set}")).isEqualTo("set");
    }

    @Test
    void bracedConditionals() throws ConfigException {
        assertThat(x("${mydomain?{$mydomain}:{nodomain}}")).isEqualTo("example.test");
        assertThat(x("${empty?{$mydomain}:{nodomain}}")).isEqualTo("nodomain");
        assertThat(x("x${mydomain?{ a }}y")).as("text in braces is kept as written").isEqualTo("x a y");
        assertThat(x("${mydomain?{a} : {b}}")).isEqualTo("a");
        assertThat(x("${empty?{a}:b}")).isEqualTo("b");
        assertThat(x("${nosuch:{y}}")).isEqualTo("y");
    }

    @Test
    void comparisons() throws ConfigException {
        assertThat(x("${{10} < {9} ? {wrong} : {right}}")).as("numbers compare as numbers").isEqualTo("right");
        assertThat(x("${{abc} < {abd} ? {lt} : {ge}}")).isEqualTo("lt");
        assertThat(x("${{ 10 } == {10} ? {eq} : {ne}}")).as("no trimming inside braces").isEqualTo("ne");
        assertThat(x("x${{1} == {1}}y")).isEqualTo("xtruey");
        assertThat(x("x${{1} == {2}}y")).isEqualTo("xy");
        assertThat(x("x${{1}=={1}?{a}:{b}}y")).isEqualTo("xay");
        assertThat(x("x${{1} == {1} ? a : b}y")).isEqualTo("x a : by");
        assertThat(x("x${{1} == {1} ? {a} :}y")).isEqualTo("xay");
        assertThat(x("${ {1} != {2} ? {ne} }")).isEqualTo("ne");
        assertThat(x("${{$compatibility_level} <level {2} ? {subnet} : {host}}")).isEqualTo("host");
        assertThat(x("${{3.10} >level {3.6} ? {a} : {b}}")).isEqualTo("a");
        assertThat(x("${{1} ==level {1.0} ? {a} : {b}}")).isEqualTo("a");
        assertThat(x("${{1} ==level {3.6.1} ? {a} : {b}}")).isEqualTo("b");
        assertThat(x("${{1} >= {1} ? {a}}${{2} <= {1} ? {a}}")).isEqualTo("a");
    }

    @Test
    void errorsUsePostfixWording() {
        assertThatThrownBy(() -> x("${x")).hasMessage("truncated macro reference: \"${x\"");
        assertThatThrownBy(() -> x("x$ y")).hasMessage("empty macro name: \"x$ y\"");
        assertThatThrownBy(() -> x("x$")).hasMessage("empty macro name: \"x$\"");
        assertThatThrownBy(() -> x("x${}y")).hasMessage("empty macro name: \"x${}y\"");
        assertThatThrownBy(() -> x("x${a-b}y")).hasMessage("attribute name syntax error at: \"...a>>>-b\"");
        assertThatThrownBy(() -> x("x$(a b)")).hasMessage("attribute name syntax error at: \"...a>>> b\"");
        assertThatThrownBy(() -> x("${mydomain?{a}:{b}:{c}}")).hasMessage("unexpected input at: \"...b}>>>:{c}\"");
        assertThatThrownBy(() -> x("${mydomain:{a}:{b}}")).hasMessage("unexpected input at: \"...a}>>>:{b}\"");
        assertThatThrownBy(() -> x("${mydomain?{a}x}")).hasMessage("\":\" expected at: \"...a}>>>x\"");
        assertThatThrownBy(() -> x("${{1} =< {1} ? {a} : {b}}"))
                .hasMessage("\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected at: \"...1}>>>=< {1} ? {a} : {b}\"");
        assertThatThrownBy(() -> x("${{1} == 1 ? {a} : {b}}"))
                .hasMessage("\"{expression}\" expected at: \"...{1} ==>>> 1 ? {a} : {b}\"");
        assertThatThrownBy(() -> x("${{1} ==level {1.x} ? {a}}")).hasMessage("malformed compatibility level syntax: \"1.x\"");
        assertThatThrownBy(() -> x("${{} <=level {0} ? {a}}")).hasMessage("malformed compatibility level syntax: \"\"");
    }

    @Test
    void loopsAreDetectedAndNamed() {
        values.put("a", "$b");
        values.put("b", "$a");
        values.put("c", "$a");
        Expander ex = new Expander(values::get);
        assertThatThrownBy(() -> ex.expandParameter("a")).hasMessage("unreasonable macro call nesting: \"a\"");
        assertThatThrownBy(() -> ex.expandParameter("c")).hasMessage("unreasonable macro call nesting: \"b\"");
        values.put("self", "x${self?{$self}}");
        assertThatThrownBy(() -> ex.expandParameter("self")).hasMessageContaining("unreasonable macro call nesting");
    }

    @Test
    void deepButFiniteChainsExpand() throws ConfigException {
        for (int i = 0; i < 90; i++) {
            values.put("p" + i, "$p" + (i + 1));
        }
        values.put("p90", "end");
        assertThat(new Expander(values::get).expandParameter("p0")).isEqualTo("end");
    }

    @Test
    void scanFindsEveryReferenceWithoutLookingUp() {
        List<String> names = new ArrayList<>();
        assertThat(Expander.scan("$a ${b?$c} ${d:{$e}} ${{$f} == {1} ? {$g} : {$h}} $$i $(j)", names)).isNull();
        assertThat(names).containsExactlyInAnyOrder("a", "b", "c", "d", "e", "f", "g", "h", "j");
        List<String> more = new ArrayList<>();
        assertThat(Expander.scan("$ok ${broken", more)).isEqualTo("truncated macro reference: \"$ok ${broken\"");
    }
}
