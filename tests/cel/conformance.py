"""cel-spec's conformance suite (``../shared/specs/cel-spec/*.textproto``) as cases any CEL engine
can run: the expression, its declarations and bindings, and the value or error it must give.

Used by tests/cel/test_conformance.py (kgen.cel) and benchmarks/cel_candidates.py (the PyPI
candidates). A case that no Kubernetes rule can reach is skipped with the reason.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any, Callable

from textproto import Message, field, fields, parse_textproto

from kgen.cel._values import Duration, Optional, Timestamp, TypeValue, UInt, cel_eq, type_name

__all__ = [
    "Case",
    "KUBERNETES_FILES",
    "NOT_REACHABLE_FILES",
    "load_file",
    "run_cases",
    "strict_equal",
]

# Files of the suite whose features a Kubernetes CRD rule can use.
KUBERNETES_FILES = [
    "basic",
    "comparisons",
    "conversions",
    "dynamic",
    "fields",
    "fp_math",
    "integer_math",
    "lists",
    "logic",
    "macros",
    "macros2",
    "namespace",
    "optionals",
    "parse",
    "plumbing",
    "string",
    "string_ext",
    "timestamps",
    "type_deduction",
]

# Files whose whole subject is out of reach of Kubernetes rules, with the reason.
NOT_REACHABLE_FILES = {
    "proto2": "protocol-buffer messages: Kubernetes rules see JSON objects, never proto2 messages",
    "proto2_ext": "proto2 extensions: no protocol-buffer messages in Kubernetes rules",
    "proto3": "protocol-buffer messages: Kubernetes rules see JSON objects, never proto3 messages",
    "wrappers": "protobuf wrapper types: no protocol-buffer messages in Kubernetes rules",
    "enums": "protobuf enums: no protocol-buffer messages in Kubernetes rules",
    "unknowns": "unknown values (partial evaluation): kube-apiserver evaluates with every variable bound",
    "encoders_ext": "the encoders extension (base64) is not in Kubernetes' CEL environment",
    "math_ext": "the math extension is not in Kubernetes' CEL environment",
    "bindings_ext": "cel.bind (the bindings extension) is not in Kubernetes' CEL environment",
    "block_ext": "cel.@block (the optimizer's block extension) is not in Kubernetes' CEL environment",
    "network_ext": (
        "cel-go's network extension (ip/cidr as cel-spec defines them) is not Kubernetes' ip/cidr "
        "library, which tests/cel/test_k8s_libraries.py covers from Kubernetes' documentation"
    ),
}

# Sections and tests of reachable files that still reach something Kubernetes does not enable.
SECTION_SKIPS = {
    (
        "string_ext",
        "reverse",
    ): "strings.reverse is strings extension version 3; Kubernetes pins version 2",
    ("string_ext", "value_errors"): None,
    ("string_ext", "type_errors"): None,
    ("string_ext", "format"): None,
    ("string_ext", "format_errors"): None,
}


@dataclass
class Case:
    file: str
    section: str
    name: str
    expr: str
    disable_macros: bool = False
    disable_check: bool = False
    check_only: bool = False
    container: str = ""
    variables: dict[str, Any] = dc_field(default_factory=dict)  # name → type spec (Message)
    bindings: dict[str, Any] = dc_field(default_factory=dict)
    expect: str = "value"  # value | error | check_ok | unknown
    value: Any = None
    typed: Any = None  # the deduced type spec of typed_result
    skip: str | None = None


_PROTO_LITERAL = re.compile(
    r"google\.protobuf\.\w+\s*\{|google\.protobuf\.(?!Timestamp\b|Duration\b)\w+|TestAllTypes|conformance\.proto\d"
)


class _Skip(Exception):
    pass


def _value(msg: Message) -> Any:
    """A cel.expr.Value message → the Python value kgen.cel uses."""
    for name, v in msg:
        if name == "null_value":
            return None
        if name == "bool_value":
            return v == "true" if isinstance(v, str) else bool(v)
        if name == "int64_value":
            return int(v)
        if name == "uint64_value":
            return UInt(int(v))
        if name == "double_value":
            return float(v)
        if name == "string_value":
            return v.decode("utf-8")
        if name == "bytes_value":
            return bytes(v)
        if name == "list_value":
            return [_value(x) for x in fields(v, "values")]
        if name == "map_value":
            out = {}
            for entry in fields(v, "entries"):
                out[_value(field(entry, "key"))] = _value(field(entry, "value"))
            return out
        if name == "type_value":
            return TypeValue(v.decode("utf-8"))
        if name == "object_value":
            return _object(v)
        if name == "enum_value":
            raise _Skip("protobuf enum values: no protocol-buffer enums in Kubernetes rules")
    return None


def _object(msg: Message) -> Any:
    for name, body in msg:
        if name == "[type.googleapis.com/google.protobuf.Duration]":
            return Duration(int(field(body, "seconds", 0)) * 10**9 + int(field(body, "nanos", 0)))
        if name == "[type.googleapis.com/google.protobuf.Timestamp]":
            return Timestamp(int(field(body, "seconds", 0)), int(field(body, "nanos", 0)))
    raise _Skip("protocol-buffer message values: Kubernetes rules see JSON, never messages")


def _decl_type(msg: Message) -> Any:
    """Check the declared type is one a Kubernetes rule could have; return the spec as is."""
    text = repr(msg)
    if "message_type" in text or "wrapper" in text or "ANY" in text or "STRUCT" in text:
        raise _Skip("declarations of protocol-buffer message types")
    return msg


def load_file(path: Path) -> list[Case]:
    data = parse_textproto(path.read_text(encoding="utf-8"))
    fname = path.stem
    cases: list[Case] = []
    for section in fields(data, "section"):
        sname = field(section, "name", b"").decode()
        for test in fields(section, "test"):
            case = Case(
                file=fname,
                section=sname,
                name=field(test, "name", b"").decode(),
                expr=field(test, "expr", b"").decode("utf-8"),
                disable_macros=field(test, "disable_macros") == "true",
                disable_check=field(test, "disable_check") == "true",
                check_only=field(test, "check_only") == "true",
                container=field(test, "container", b"").decode(),
            )
            try:
                if fname in NOT_REACHABLE_FILES:
                    raise _Skip(NOT_REACHABLE_FILES[fname])
                reason = SECTION_SKIPS.get((fname, sname))
                if reason:
                    raise _Skip(reason)
                if _PROTO_LITERAL.search(case.expr):
                    raise _Skip(
                        "constructs protocol-buffer messages (google.protobuf.* or test messages); "
                        "Kubernetes rules cannot"
                    )
                if case.container:
                    raise _Skip(
                        "expression containers (namespaced names): kube-apiserver compiles rules "
                        "without a container"
                    )
                for decl in fields(test, "type_env"):
                    name = field(decl, "name").decode()
                    if field(decl, "function") is not None:
                        raise _Skip("custom function declarations of the test harness")
                    ident = field(decl, "ident")
                    case.variables[name] = _decl_type(field(ident, "type"))
                for b in fields(test, "bindings"):
                    key = field(b, "key").decode()
                    ev = field(b, "value")
                    val = field(ev, "value")
                    if val is None:
                        raise _Skip("unknown or error bindings (partial evaluation)")
                    case.bindings[key] = _value(val)
                if field(test, "value") is not None:
                    case.expect = "value"
                    case.value = _value(field(test, "value"))
                elif field(test, "typed_result") is not None:
                    tr = field(test, "typed_result")
                    case.expect = "value" if field(tr, "result") is not None else "check_ok"
                    if field(tr, "result") is not None:
                        case.value = _value(field(tr, "result"))
                    case.typed = field(tr, "deduced_type")
                elif (
                    field(test, "eval_error") is not None
                    or field(test, "any_eval_errors") is not None
                ):
                    case.expect = "error"
                elif field(test, "unknown") is not None or field(test, "any_unknowns") is not None:
                    raise _Skip("unknown values (partial evaluation)")
                elif case.check_only:
                    case.expect = "check_ok"
                else:
                    case.expect = "value"
                    case.value = True
            except _Skip as s:
                case.skip = str(s)
            cases.append(case)
    return cases


def strict_equal(a: Any, b: Any) -> bool:
    """Equal values of the same CEL types (1 and 1.0 differ here, unlike CEL's ==)."""
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        for k, v in a.items():
            match = [bk for bk in b if strict_equal(bk, k)]
            if not match or not strict_equal(v, b[match[0]]):
                return False
        return True
    if isinstance(a, Optional):
        return a.has == b.has and (not a.has or strict_equal(a.value, b.value))
    return cel_eq(a, b)


Runner = Callable[[Case], "tuple[str, str]"]


def run_cases(cases: list[Case], runner: Runner) -> dict[str, dict[str, Any]]:
    """Per file: counts of passed, failed and skipped cases, and the failures' names."""
    out: dict[str, dict[str, Any]] = {}
    for case in cases:
        out.setdefault(case.file, {"passed": 0, "failed": 0, "skipped": 0, "failures": []})
    for case in cases:
        rec = out.setdefault(case.file, {"passed": 0, "failed": 0, "skipped": 0, "failures": []})
        if case.skip:
            rec["skipped"] += 1
            continue
        try:
            status, detail = runner(case)
        except Exception as err:  # an engine crash is a failure of that case
            status, detail = "fail", f"{type(err).__name__}: {err}"
        if status == "pass":
            rec["passed"] += 1
        elif status == "skip":
            rec["skipped"] += 1
        else:
            rec["failed"] += 1
            rec["failures"].append(f"{case.section}/{case.name}: {detail}")
    return out
