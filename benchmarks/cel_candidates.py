"""The CEL implementations on PyPI, measured side by side with kgen.cel: conformance (the
cel-spec cases a Kubernetes rule can reach that need no declarations) and the evaluation time of a
typical Kubernetes rule. Run in an environment where the candidates are installed:

    pip install cel-python common-expression-language cel-expr-python
    python -m benchmarks.cel_candidates ../shared/specs/cel-spec
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "cel"))

from conformance import KUBERNETES_FILES, load_file, strict_equal  # noqa: E402

from kgen.cel import Env, EvalError  # noqa: E402

RULE = "self.minReplicas <= self.maxReplicas && self.containers.all(c, c.image != '')"
SELF = {"minReplicas": 1, "maxReplicas": 3, "containers": [{"image": "a"}, {"image": "b"}]}


def _kgen() -> tuple[Callable[[str], Any], Callable[[], Any]]:
    env = Env(homogeneous_literals=False)

    def run(expr: str) -> Any:
        return env.compile(expr).evaluate({})[0]

    from kgen.cel import types as T

    prog = Env({"self": T.DYN}).compile(RULE)
    return run, lambda: prog.evaluate({"self": SELF})


def _celpy() -> tuple[Callable[[str], Any], Callable[[], Any]]:
    import celpy

    env = celpy.Environment()

    def run(expr: str) -> Any:
        out = env.program(env.compile(expr)).evaluate({})
        if isinstance(out, Exception):
            raise EvalError(str(out))
        return out

    prog = env.program(env.compile(RULE))
    act = {"self": celpy.json_to_cel(SELF)}
    return run, lambda: prog.evaluate(act)


def _cel_rust() -> tuple[Callable[[str], Any], Callable[[], Any]]:
    import cel

    def run(expr: str) -> Any:
        try:
            return cel.evaluate(expr, {})
        except Exception as err:  # its errors are ValueError/RuntimeError
            raise EvalError(str(err)) from None

    prog = cel.compile(RULE)
    return run, lambda: prog.execute({"self": SELF})


def _cel_cpp() -> tuple[Callable[[str], Any], Callable[[], Any]]:
    from cel_expr_python import cel

    env = cel.NewEnv()

    def run(expr: str) -> Any:
        try:
            return env.compile(expr).eval(data={}).plain_value()
        except Exception as err:
            raise EvalError(str(err)) from None

    renv = cel.NewEnv(variables={"self": cel.Type.DYN})
    prog = renv.compile(RULE)
    return run, lambda: prog.eval(data={"self": SELF})


CANDIDATES = {
    "kgen.cel": _kgen,
    "cel-python (celpy)": _celpy,
    "common-expression-language (cel-rust)": _cel_rust,
    "cel-expr-python (cel-cpp)": _cel_cpp,
}


def _as_kgen(value: Any, like: Any = None) -> Any:
    """A candidate's result as kgen.cel's value types, so that one strict comparison serves all.

    The bindings return their own classes (celpy's ``IntType(int)``, ``UintType``, ``StringType``,
    ``TimestampType(datetime)``...), or plain Python values where a uint is indistinguishable from an
    int. Comparing those with ``type(a) is type(b)`` failed every case for some candidates; the
    conversion keeps the distinctions that CEL makes (int/uint/double, bool/int) and drops the
    class names.
    """
    import datetime

    from kgen.cel._values import Duration, Timestamp, UInt

    name = type(value).__name__.lower()
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        # Bindings that return a uint as a plain int cannot say which it was: take the expected kind.
        return UInt(int(value)) if "uint" in name or type(like) is UInt else int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        delta = value - epoch
        return Timestamp(delta.days * 86400 + delta.seconds, delta.microseconds * 1000)
    if isinstance(value, datetime.timedelta):
        nanos = (value.days * 86400 + value.seconds) * 1_000_000_000 + value.microseconds * 1000
        return Duration(nanos)
    if isinstance(value, dict):
        likes = like if isinstance(like, dict) else {}
        keys = {repr(k): k for k in likes}
        out = {}
        for k, v in value.items():
            key = _as_kgen(k, keys.get(repr(k)))
            out[key] = _as_kgen(v, likes.get(key))
        return out
    if isinstance(value, (list, tuple)):
        likes = (
            list(like)
            if isinstance(like, list) and len(like) == len(value)
            else [None] * len(value)
        )
        return [_as_kgen(v, w) for v, w in zip(value, likes)]
    return value


def _same(got: Any, want: Any) -> bool:
    try:
        return bool(strict_equal(_as_kgen(got, want), want))
    except Exception:
        return False


def main(spec_dir: str) -> None:
    cases = []
    for name in KUBERNETES_FILES:
        for c in load_file(Path(spec_dir) / f"{name}.textproto"):
            if not c.skip and not c.variables and not c.bindings and not c.disable_macros:
                cases.append(c)
    print(f"{len(cases)} conformance cases (Kubernetes-reachable, no declarations)")
    for label, factory in CANDIDATES.items():
        try:
            run, rule = factory()
        except ImportError:
            print(f"{label}: not installed")
            continue
        passed = 0
        t0 = time.perf_counter()
        for c in cases:
            try:
                got = run(c.expr)
            except Exception:
                passed += c.expect == "error"
                continue
            if c.expect == "value" and _same(got, c.value):
                passed += 1
            elif c.expect == "check_ok":
                passed += 1
        elapsed = time.perf_counter() - t0
        rule()
        n = 2000
        t = time.perf_counter()
        for _ in range(n):
            rule()
        per = (time.perf_counter() - t) / n * 1e6
        print(
            f"{label}: {passed}/{len(cases)} passed ({elapsed:.1f} s); typical rule: {per:.1f} µs/eval"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".." / "shared" / "specs" / "cel-spec"))
