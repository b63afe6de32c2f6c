"""The block YAML subset read without PyYAML: what it reads, it reads as kgen's PyYAML loader does, and
everything else is handed to PyYAML (including every document PyYAML refuses)."""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml

import kgen.runtime._yamlblock as yamlblock
import kgen.runtime._yamlsafe as yamlsafe


def _same(a: Any, b: Any) -> bool:
    """Equal with the same types throughout (``True == 1`` and ``1 == 1.0`` do not count)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _as_pyyaml(text: str) -> None:
    data = text.encode()
    assert _same(yamlblock.load(data), yamlsafe.load(data)), text


KIND = """\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://127.0.0.1:40123
  name: kind-kind
contexts:
- context:
    cluster: kind-kind
    user: kind-kind
  name: kind-kind
current-context: kind-kind
kind: Config
preferences: {}
users:
- name: kind-kind
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUR=
    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUl=
"""

EKS = """\
apiVersion: v1
kind: Config
clusters:
  - name: arn:aws:eks:eu-west-1:123456789012:cluster/prod
    cluster:
      server: https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com
      certificate-authority-data: "LS0tLS1CRUdJTiBDRVJU"
      insecure-skip-tls-verify: false
      extensions:
      - name: client.authentication.k8s.io/exec
        extension:
          audience: 'prod'
          retries: 3
users:
  - name: prod
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: aws
        args:
          - --region
          - eu-west-1
          - eks
          - get-token
          - --cluster-name
          - prod
        env: null
        interactiveMode: IfAvailable
        provideClusterInfo: false
# a comment line
contexts:

  -
    name: prod
    context:
      cluster: arn:aws:eks:eu-west-1:123456789012:cluster/prod
      user: prod
      namespace: ""
current-context: prod
preferences: {}
extra: []
empty:
"""


@pytest.mark.parametrize("text", [KIND, EKS], ids=["kind", "eks"])
def test_kubeconfigs_as_written_are_read_as_pyyaml_reads_them(text: str) -> None:
    _as_pyyaml(text)


@pytest.mark.parametrize(
    "value",
    [
        "yes", "No", "TRUE", "off", "On", "null", "Null", "NULL", "y", "n", "nginx", "0", "7", "10250",
        "--region", "-x", "/etc/kube", ".kube", "1.2.3.4", "2001-12-14", "a#b", "x:y", "http://h:80/p",
        "a b  c", "'quoted'", '"double"', '""', "''", "{}", "[]", "Off", "offset",
    ],
)  # fmt: skip
def test_scalars_resolve_as_pyyaml_resolves_them(value: str) -> None:
    _as_pyyaml(f"key: {value}\nlist:\n- {value}\n")


@pytest.mark.parametrize(
    "text",
    [
        "key: 0x1f\n",  # numbers but plain decimals
        "key: 012\n",
        "key: +1\n",
        "key: 1.5\n",
        "key: .inf\n",
        "key: 1_000\n",
        "key: ~\n",
        "key: value # comment\n",
        "key: &a x\nother: *a\n",
        "key: !!str 1\n",
        "key: [a, b]\n",
        "key: {a: b}\n",
        "key: |\n  text\n",
        "key: >\n  text\n",
        "key: a\n  continued\n",
        "key: 'it''s'\n",
        'key: "a\\tb"\n',
        "key:\tvalue\n",
        "key: value\r\n",
        "key: caf\u00e9\n",
        "---\nkey: value\n",
        "%YAML 1.1\n---\nkey: value\n",
        "'key': value\n",
        "true: value\n",
        "1: value\n",
        "<<: {}\n",
        "? key\n: value\n",
        "- - nested\n",
        "key: a: b\n",
        "key: value:\n",
        "key: -\n",
        "key:\n  value\n",
        "a:\n    b: 1\n  c: 2\n",
        "just a scalar\n",
        "",
        "# only a comment\n",
    ],
)
def test_what_the_subset_does_not_read_goes_to_pyyaml(text: str) -> None:
    with pytest.raises(yamlblock.Unsupported):
        yamlblock.load(text.encode())


def test_the_resolvers_are_pyyamls_for_plain_scalars_that_start_with_a_letter() -> None:
    """A plain scalar that starts with a letter can only be a boolean or null (or text): the words
    are PyYAML's."""
    tags = {
        tag
        for first, resolvers in yamlsafe.KubernetesLoader.yaml_implicit_resolvers.items()
        if first and first.isalpha()
        for tag, _ in resolvers
    }
    assert tags == {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}
    for word in [*yamlblock._BOOLEANS, *yamlblock._NULLS]:
        assert not isinstance(yamlsafe.load(f"k: {word}")["k"], str), word
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    rng = random.Random(1)
    for _ in range(3000):  # no other short word of the initials PyYAML resolves
        word = rng.choice("yYnNtTfFoO") + "".join(rng.choices(letters, k=rng.randint(0, 4)))
        if word not in yamlblock._BOOLEANS and word not in yamlblock._NULLS:
            assert yamlsafe.load(f"k: {word}")["k"] == word


_KEYS = ["a", "name", "b-c", "d.e/f", "on", "null", "'q'", "1", "x y", "k:"]
_SCALARS = [
    "v", "yes", "null", "0", "012", "7", "1.5", "-", "--x", "-1", "'s'", '"d"', "''", "{}", "[]", "[a]",
    "a # c", "a#c", "&x y", "*x", "!t v", "|", ">", "%", "@", "`", "~", "<<", "=", "a: b", "a:", "1:2",
    "http://h:1", "2001-12-14", ".5", ".x", "0x1", "+", "? x", "\"a'b\"", "'a\"b'",
]  # fmt: skip


def _random_document(rng: random.Random) -> str:
    lines, depth = [], 0
    for _ in range(rng.randint(1, 12)):
        # Mostly the indentation of a well-formed document: the same, one level in, or back out.
        depth = max(0, depth + rng.choice([0, 0, 1, -1, -2]))
        indent = " " * (2 * depth + (rng.random() < 0.05))
        shape = rng.random()
        key = rng.choice(_KEYS[:4] if rng.random() < 0.7 else _KEYS)
        value = rng.choice(_SCALARS[:3] if rng.random() < 0.5 else _SCALARS)
        if shape < 0.3:
            lines.append(f"{indent}{key}: {value}")
        elif shape < 0.5:
            lines.append(f"{indent}{key}:")
        elif shape < 0.65:
            lines.append(f"{indent}- {value}")
        elif shape < 0.8:
            lines.append(f"{indent}- {key}: {value}")
        elif shape < 0.85:
            lines.append(f"{indent}- {key}:")
        elif shape < 0.9:
            lines.append(f"{indent}-")
        elif shape < 0.95:
            lines.append(f"{indent}# {value}")
        else:
            lines.append(f"{indent}{value}")
    return "\n".join(lines) + rng.choice(["", "\n", "\n\n"])


def test_random_documents_are_read_as_pyyaml_reads_them_or_handed_over() -> None:
    """Whatever the subset reads, PyYAML reads the same (so no document PyYAML refuses is read)."""
    rng = random.Random(16)
    read = 0
    for _ in range(20000):
        text = _random_document(rng)
        try:
            ours = yamlblock.load(text.encode())
        except yamlblock.Unsupported:
            continue
        read += 1
        try:
            theirs = yamlsafe.load(text)
        except yaml.YAMLError:
            pytest.fail(f"read a document PyYAML refuses:\n{text}")
        assert _same(ours, theirs), text
    assert read > 1500  # the generator reaches the subset often enough to mean something
