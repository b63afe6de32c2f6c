"""Kubernetes' documented behaviour of each CEL library function
(kubernetes.io/docs/reference/using-api/cel/ and the libraries' doc comments), the standard
macros, the strings extension, sets, optionals and two-variable comprehensions."""

from __future__ import annotations

import pytest

from kgen.cel import CompileError, CostLimitExceeded, Env, EvalError, types as T

ENV = Env()

TRUE_EXPRESSIONS = [
    # lists
    "[1, 2, 3].isSorted()",
    "!['b', 'a'].isSorted()",
    "[1, 2, 3].sum() == 6",
    "[1.5, 2.5].sum() == 4.0",
    "[duration('1s'), duration('2s')].sum() == duration('3s')",
    "[1, 2, 3].min() == 1",
    "[1, 2, 3].max() == 3",
    "[1, 2, 3].indexOf(2) == 1",
    "['a', 'b', 'b', 'c'].lastIndexOf('b') == 2",
    "[1, 2].indexOf(5) == -1",
    # regex
    "'abc 123'.find('[0-9]+') == '123'",
    "'abc'.find('[0-9]+') == ''",
    "'123 abc 456'.findAll('[0-9]+') == ['123', '456']",
    "'123 abc 456'.findAll('[0-9]+', 1) == ['123']",
    # url
    "url('https://example.com:80/').getHost() == 'example.com:80'",
    "url('https://example.com:80/').getHostname() == 'example.com'",
    "url('https://[::1]:80/').getHostname() == '::1'",
    "url('https://example.com:80/').getPort() == '80'",
    "url('https://example.com/').getPort() == ''",
    "url('https://example.com/path%20with%20spaces/').getEscapedPath() == '/path%20with%20spaces/'",
    "url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == {'k1': ['a'], 'k2': ['b', 'c']}",
    "url('https://example.com/').getScheme() == 'https'",
    "isURL('https://example.com/')",
    "isURL('/absolute-path')",
    "!isURL('../relative-path')",
    # quantity
    "quantity('50M').isInteger()",
    "quantity('50k').asInteger() == 50000",
    "quantity('50.5').asApproximateFloat() == 50.5",
    "quantity('200M').compareTo(quantity('0.2G')) == 0",
    "quantity('50M').add(quantity('20M')) == quantity('70M')",
    "quantity('50M').sub(20000000) == quantity('30M')",
    "quantity('1Gi').isGreaterThan(quantity('1G'))",
    "quantity('1m').isLessThan(quantity('1'))",
    "quantity('-1').sign() == -1 && quantity('0').sign() == 0",
    "isQuantity('1.3G') && !isQuantity('1.3GiB')",
    "quantity('1') == quantity('1000m')",
    # as apimachinery's ParseQuantity reads them (the runtime's one reading of a quantity)
    "quantity('1.G') == quantity('1G') && quantity('.') == quantity('0') && isQuantity('+Ki')",
    "quantity('0.1n') == quantity('1n') && quantity('-0.1n') == quantity('-1n')",
    "quantity('8Ei') == quantity('9223372036854775807') && quantity('8Ei').isInteger()",
    "!isQuantity(' 1') && !isQuantity('1e') && !isQuantity('Ei')",
    # ip and cidr
    "isIP('127.0.0.1') && isIP('::1') && !isIP('1.2.3')",
    "!isIP('::ffff:1.2.3.4')",
    "!isIP('fe80::1%eth0')",
    "ip('::1').family() == 6 && ip('127.0.0.1').family() == 4",
    "ip('127.0.0.1').isLoopback()",
    "ip('0.0.0.0').isUnspecified()",
    "ip('fe80::1').isLinkLocalUnicast()",
    "ip('224.0.0.1').isLinkLocalMulticast()",
    "ip('192.168.0.1').isGlobalUnicast()",
    "ip.isCanonical('2001:db8::abcd') && !ip.isCanonical('2001:DB8::ABCD')",
    "string(ip('2001:db8::1')) == '2001:db8::1'",
    "isCIDR('192.168.0.0/24') && !isCIDR('192.168.0.0')",
    "cidr('192.168.0.0/24').containsIP('192.168.0.1')",
    "cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))",
    "!cidr('192.168.0.0/24').containsIP('192.168.1.1')",
    "cidr('192.168.0.0/24').containsCIDR('192.168.0.0/25')",
    "!cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/23'))",
    "cidr('192.168.0.1/24').ip() == ip('192.168.0.1')",
    "cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')",
    "cidr('192.168.0.0/24').prefixLength() == 24",
    "string(cidr('::1/128')) == '::1/128'",
    # format
    "!format.dns1123Label().validate('my-name').hasValue()",
    "format.dns1123Label().validate('MyName').hasValue()",
    "format.dns1123Label().validate('MyName').value() == ["
    "\"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')\"]",
    "format.named('dns1123Subdomain').hasValue() && !format.named('unknown').hasValue()",
    "!format.named('dns1123Subdomain').value().validate('example.com').hasValue()",
    "!format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()",
    "format.dns1035Label().validate('1abc').hasValue()",
    "!format.labelValue().validate('').hasValue()",
    # apimachinery's checks, as the runtime implements them: a generateName prefix is masked as
    # maskTrailingDash masks it, lengths are bytes, an empty name part also fails the pattern
    f"!format.dns1123LabelPrefix().validate('{'a' * 63}-').hasValue()",
    "!format.dns1123SubdomainPrefix().validate('A-').hasValue()",
    "format.labelValue().validate('" + "é" * 32 + "').value()[0] == "
    "'must be no more than 63 characters'",
    "format.qualifiedName().validate('example.com/').value().size() == 2",
    # semver
    "semver('1.2.3').major() == 1 && semver('1.2.3').minor() == 2 && semver('1.2.3').patch() == 3",
    "isSemver('1.0.0') && !isSemver('v1.0')",
    "isSemver('v1.0', true)",
    "semver('1.2.3').isLessThan(semver('1.3.0'))",
    "semver('1.0.0-alpha').isLessThan(semver('1.0.0'))",
    "semver('2.0.0').isGreaterThan(semver('1.99.99'))",
    "semver('1.2.3').compareTo(semver('1.2.3')) == 0",
    "semver('v01.01', true) == semver('1.1.0')",
    # strings extension (version 2)
    "'hello'.charAt(1) == 'e' && 'hello'.charAt(5) == ''",
    "'hello mellow'.indexOf('ello') == 1 && 'hello mellow'.indexOf('ello', 6) == 7",
    "'hello mellow'.lastIndexOf('ello') == 7",
    "'TacoCat'.lowerAscii() == 'tacocat' && 'TacoCat'.upperAscii() == 'TACOCAT'",
    "'hello hello'.replace('he', 'we') == 'wello wello'",
    "'hello hello'.replace('he', 'we', 1) == 'wello hello'",
    "'hello hello hello'.split(' ') == ['hello', 'hello', 'hello']",
    "'hello hello hello'.split(' ', 2) == ['hello', 'hello hello']",
    "'tacocat'.substring(4) == 'cat' && 'tacocat'.substring(0, 4) == 'taco'",
    "'  \\ttrim\\n    '.trim() == 'trim'",
    "['hello', 'mellow'].join() == 'hellomellow'",
    "['hello', 'mellow'].join(' ') == 'hello mellow'",
    "'%s is %d years old, %.2f'.format([dyn('Ada'), dyn(36), dyn(1.5)]) == 'Ada is 36 years old, 1.50'",
    'strings.quote(\'single-quote with "double quote"\') == \'"single-quote with \\\\"double quote\\\\""\'',
    # sets
    "sets.contains([1, 2, 3, 4], [2, 3])",
    "!sets.contains([1, 2], [3])",
    "sets.equivalent([1, 2, 3], [3, 2, 1, 1])",
    "sets.intersects([1, 2, 3], [3, 4])",
    "!sets.intersects([1], [2])",
    # the standard macros
    "has({'a': 1}.a) && !has({'a': 1}.b)",
    "[1, 2, 3].all(x, x > 0)",
    "[1, 2, 3].exists(x, x > 2)",
    "[1, 2, 3].exists_one(x, x > 2)",
    "[1, 2, 3].map(x, x * 2) == [2, 4, 6]",
    "[1, 2, 3].map(x, x > 1, x * 2) == [4, 6]",
    "[1, 2, 3].filter(x, x > 1) == [2, 3]",
    "{'a': 1, 'b': 2}.all(k, k in ['a', 'b'])",
    # two-variable comprehensions (Kubernetes 1.32+)
    "{'a': 1, 'b': 2}.all(k, v, v > 0 && k.size() == 1)",
    "[10, 20].exists(i, v, i == 1 && v == 20)",
    "[1, 2, 2].existsOne(i, v, v == 1)",
    "[1, 2, 3].transformList(i, v, i * v) == [0, 2, 6]",
    "[1, 2, 3].transformList(i, v, v > 1, v) == [2, 3]",
    "{'a': 1, 'b': 2}.transformMap(k, v, v * 10) == {'a': 10, 'b': 20}",
    "{'a': 1}.transformMapEntry(k, v, {v: k}) == {1: 'a'}",
    # optionals (Kubernetes 1.28+)
    "optional.of(1).value() == 1",
    "!optional.none().hasValue()",
    "{'a': 1}.?b.orValue(0) == 0",
    "{'a': {'b': 2}}.?a.b.value() == 2",
    "[1, 2][?5].orValue(7) == 7",
    "optional.none().or(optional.of(3)).value() == 3",
    "optional.ofNonZeroValue('').orValue('x') == 'x'",
    "optional.of(2).optMap(x, x * 2).value() == 4",
    # cross-type numeric comparisons (Kubernetes 1.28+)
    "1 < 1.5 && 2u > 1 && 1.0 <= 1",
    # timestamps and durations
    "timestamp('2023-01-01T00:00:00Z') + duration('24h') == timestamp('2023-01-02T00:00:00Z')",
    "timestamp('2023-03-01T10:00:00Z').getHours('America/Los_Angeles') == 2",
    "duration('1h30m').getMinutes() == 90",
]


@pytest.mark.parametrize("expr", TRUE_EXPRESSIONS)
def test_documented_behaviour(expr: str) -> None:
    value, _ = ENV.compile(expr).evaluate({})
    assert value is True


ERRORS = [
    ("[].min()", "min(list) argument must not be empty"),
    ("quantity('50.5').asInteger() == 50", "cannot convert value to integer"),
    ("ip('::ffff:1.2.3.4') == ip('1.2.3.4')", "IPv4-mapped IPv6 address is not allowed"),
    ("url('example.com').getHost() == ''", "invalid URI for request"),
    ("quantity('1.3GiB').sign() == 1", "quantities must match the regular expression"),
    ("quantity('1ki').sign() == 1", "unable to parse quantity's suffix"),
    ("quantity('Ei').sign() == 0", "unable to parse numeric part of quantity"),
    ("semver('1.0').major() == 1", "Invalid semver"),
    ("'abc'.substring(2, 1) == ''", "invalid substring range"),
    ("{'a': 1}.b == 1", "no such key: b"),
    ("[1][3] == 1", "index out of bounds: 3"),
    ("1 / 0 == 1", "division by zero"),
    ("9223372036854775807 + 1 > 0", "integer overflow"),
]


@pytest.mark.parametrize("expr,message", ERRORS)
def test_documented_errors(expr: str, message: str) -> None:
    with pytest.raises(EvalError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ENV.compile(expr).evaluate({})


def test_compile_errors_have_cel_go_messages() -> None:
    env = Env({"self": T.INT})
    with pytest.raises(CompileError) as err:
        env.compile("self + 'a' == 1")
    assert str(err.value) == (
        "ERROR: <input>:1:6: found no matching overload for '_+_' applied to '(int, string)'\n"
        " | self + 'a' == 1\n"
        " | .....^"
    )
    with pytest.raises(CompileError, match="undeclared reference to 'other' \\(in container ''\\)"):
        env.compile("other > 1")
    with pytest.raises(CompileError, match="Syntax error"):
        env.compile("self >")
    with pytest.raises(CompileError, match="undeclared reference to 'reverse'"):
        env.compile("'abc'.reverse() == 'cba'")  # strings extension version 3: not in Kubernetes


def test_homogeneous_literals_as_kubernetes_checks_them() -> None:
    with pytest.raises(CompileError, match="expected type 'int' but found 'string'"):
        ENV.compile("[1, 'a'].size() == 2")


def test_runtime_cost_limit_stops_evaluation() -> None:
    env = Env({"self": T.list_of(T.INT)})
    program = env.compile("self.all(x, self.all(y, x + y >= 0))")
    _, cost = program.evaluate({"self": list(range(10))})
    assert cost > 100
    with pytest.raises(CostLimitExceeded, match="operation cancelled: actual cost limit exceeded"):
        program.evaluate({"self": list(range(300))}, cost_limit=10_000)


def test_errors_are_absorbed_by_logical_operators_as_in_cel() -> None:
    env = Env({"self": T.map_of(T.STRING, T.INT)})
    program = env.compile("self.x > 0 || true")
    assert program.evaluate({"self": {}})[0] is True
    program = env.compile("[1, 0].all(x, 1 / x > 5)")
    assert program.evaluate({"self": {}})[0] is False


def test_estimated_cost_follows_cel_go() -> None:
    # list of at most 10 strings: all() costs per item the loop condition (2) and the step
    # (@result 1 + x.size() 2 + '<' 1): 1 (self) + 1 (result) + 10 * 6
    env = Env({"self": T.list_of(T.STRING)})
    program = env.compile("self.all(x, x.size() < 10)")
    sizes = {("self",): (0, 10), ("self", "@items"): (0, 20)}
    assert program.estimate_cost(lambda p: sizes.get(tuple(p))) == (2, 62)
    # string equality costs a tenth of the shorter string's length (12 → 2), plus 1 for self
    env = Env({"self": T.STRING})
    assert env.compile("self == 'abcdefghijkl'").estimate_cost(lambda p: (0, 100)) == (2, 3)
