"""Running a conformance case on kgen.cel."""

from __future__ import annotations

from typing import Any

from conformance import Case, strict_equal
from textproto import field, fields

from kgen.cel import CompileError, Env, EvalError
from kgen.cel import types as T

_PRIMITIVES = {
    "BOOL": T.BOOL,
    "INT64": T.INT,
    "UINT64": T.UINT,
    "DOUBLE": T.DOUBLE,
    "STRING": T.STRING,
    "BYTES": T.BYTES,
}


def to_type(msg: Any) -> T.Type:
    for name, v in msg:
        if name == "primitive":
            return _PRIMITIVES[v]
        if name == "list_type":
            return T.list_of(to_type(field(v, "elem_type")))
        if name == "map_type":
            return T.map_of(to_type(field(v, "key_type")), to_type(field(v, "value_type")))
        if name == "well_known":
            return {"TIMESTAMP": T.TIMESTAMP, "DURATION": T.DURATION}[v]
        if name == "dyn":
            return T.DYN
        if name == "null":
            return T.NULL
        if name == "type":
            return T.type_of(to_type(v)) if v else T.type_of()
        if name == "type_param":
            return T.param(v.decode())
        if name == "abstract_type":
            params = [to_type(p) for p in fields(v, "parameter_types")]
            return T.opaque(field(v, "name").decode(), *params)
    raise ValueError(f"unsupported type {msg!r}")


_ENVS: dict[Any, Env] = {}


def run_kgen(case: Case) -> tuple[str, str]:
    variables = {k: to_type(v) for k, v in case.variables.items()}
    env = Env(variables, homogeneous_literals=False)
    try:
        prog = env.compile(
            case.expr, check_types=not case.disable_check, macros=not case.disable_macros
        )
    except CompileError as err:
        return "fail", f"compile error: {err}"
    if case.typed is not None and not case.disable_check:
        want = to_type(case.typed)
        if prog.result_type != want:
            return "fail", f"deduced type {prog.result_type} != {want}"
    if case.expect == "check_ok" or case.check_only:
        return "pass", ""
    try:
        value, _ = prog.evaluate(case.bindings)
    except EvalError as err:
        if case.expect == "error":
            return "pass", ""
        return "fail", f"error {err}"
    if case.expect == "error":
        return "fail", f"expected an error, got {value!r}"
    if strict_equal(value, case.value):
        return "pass", ""
    return "fail", f"got {value!r}, want {case.value!r}"
