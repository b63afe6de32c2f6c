"""Generated models annotate with types, not strings (kgen.emit.models.eager_annotations).

msgspec evaluates a string annotation (``compile`` and ``eval``) when it builds a model's first decoder;
a generated models module therefore has no ``from __future__ import annotations``, orders its classes
so that each comes after what it names, and quotes only what must be: a class named before it is made
(recursion, cycles) or a name its class body has bound by then.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import msgspec
import pytest

import kgen.runtime._codec as codec
from kgen.emit.models import eager_annotations

SOURCE = '''from __future__ import annotations
from kgen.runtime import Struct
from msgspec import field


class Alpha(Struct, kw_only=True):
    """Names Beta, made after it in the input."""

    beta: Beta | None = None
    items: list[Beta] | None = None


class Beta(Struct, kw_only=True):
    name: str
    child: Beta | None = None
    """A recursive field."""


class Even(Struct, kw_only=True):
    odd: Odd | None = None


class Odd(Struct, kw_only=True):
    even: Even | None = None


class Shadow(Struct, kw_only=True):
    bytes: str | None = None
    raw: bytes | None = None
'''


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch) -> Any:
    def load(source: str) -> types.ModuleType:
        module = types.ModuleType("kgen_eager_test")
        monkeypatch.setitem(sys.modules, module.__name__, module)  # msgspec reads its globals
        # dont_inherit: not this file's ``from __future__ import annotations``
        exec(compile(source, "<eager>", "exec", dont_inherit=True), module.__dict__)
        return module

    return load


def annotations(cls: type[Any]) -> dict[str, Any]:
    return dict(cls.__dict__["__annotations__"])


def test_no_future_import_and_classes_after_what_they_name() -> None:
    out = eager_annotations(SOURCE)
    assert "__future__" not in out
    assert out.index("class Beta(") < out.index("class Alpha(")
    assert out.index("class Alpha(") < out.index("class Shadow(")  # otherwise, as they were


def test_only_what_must_be_is_quoted(load: Any) -> None:
    module = load(eager_annotations(SOURCE))
    alpha, beta = annotations(module.Alpha), annotations(module.Beta)
    assert alpha == {"beta": module.Beta | None, "items": list[module.Beta] | None}
    assert beta == {"name": str, "child": "Beta | None"}
    # A cycle: the first class made names the second as a string, the second the first as a type.
    assert annotations(module.Odd) == {"even": "Even | None"}
    assert annotations(module.Even) == {"odd": module.Odd | None}
    # The class body binds ``bytes`` (a field with a default) before ``raw`` names the builtin:
    # evaluated there, it would be the default; quoted, it is what it was before.
    assert annotations(module.Shadow) == {"bytes": str | None, "raw": "bytes | None"}


def test_the_models_decode_as_before(load: Any) -> None:
    module = load(eager_annotations(SOURCE))
    raw = b'{"beta":{"name":"b","child":{"name":"c"}},"items":[{"name":"i"}]}'
    alpha = codec.decode(raw, module.Alpha)
    assert alpha.beta.child.name == "c" and alpha.items[0].name == "i"
    odd = codec.decode(b'{"even":{"odd":{}}}', module.Odd)
    assert odd.even.odd == module.Odd()
    with pytest.raises(msgspec.ValidationError):
        codec.decode(b'{"beta":{}}', module.Alpha)  # Beta's name is required


def test_generated_models_hold_types() -> None:
    core = pytest.importorskip("example_client.models.core_v1")
    assert annotations(core.Pod) == {"spec": core.PodSpec | None, "status": core.PodStatus | None}
