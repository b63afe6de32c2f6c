"""A scheme decodes any object to its class; a caller who names the class gets that type back, at run time
and for mypy --strict."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from example_client import scheme
from example_client.models.core_v1 import ConfigMap, Pod

from kgen.runtime import DecodeError, UnknownKindError

ROOT = Path(__file__).resolve().parents[2]

POD = b'{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}'


def test_decode_to_a_named_class() -> None:
    pod = scheme.decode(POD, Pod)
    assert isinstance(pod, Pod) and pod.metadata is not None and pod.metadata.name == "p"
    assert isinstance(scheme.decode(POD), Pod)  # unnamed: still the class the object names
    # An item of a list says no kind: the named class reads it.
    item = scheme.decode({"metadata": {"name": "c"}, "data": {"k": "v"}}, ConfigMap)
    assert isinstance(item, ConfigMap) and item.data == {"k": "v"}
    with pytest.raises(DecodeError, match="not a ConfigMap"):
        scheme.decode(POD, ConfigMap)
    with pytest.raises(UnknownKindError):
        scheme.decode({"metadata": {"name": "c"}})  # unnamed and unsaid


def test_mypy_sees_the_named_class(tmp_path: Path) -> None:
    program = tmp_path / "uses_scheme.py"
    program.write_text(
        "from example_client import scheme\n"
        "from example_client.models.core_v1 import ConfigMap, Pod\n"
        "from kgen.runtime import KubernetesObject, Unstructured\n"
        "\n"
        "pod: Pod = scheme.decode(b'{}', Pod)\n"
        "anything: KubernetesObject = scheme.decode(b'{}')\n"
        "typed: Pod = Unstructured({}).to_typed(tp=Pod)\n"
        "wrong: ConfigMap = scheme.decode(b'{}', Pod)  # line 8: the one error\n"
    )
    env = {**os.environ, "MYPYPATH": str(ROOT / "generated")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(program),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, result.stdout
    assert (
        "uses_scheme.py:8:" in errors[0] and "incompatible types in assignment" in errors[0].lower()
    )
