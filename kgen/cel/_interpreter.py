"""Planning a checked AST into Python closures, and evaluating them with runtime cost tracking.

Each node becomes ``f(act, st)``: ``act`` is the activation (a dict of variables, comprehension
variables included), ``st`` the evaluation state (the runtime cost and its limit). Costs follow
cel-go's runtime cost tracker: 1 per identifier and field selection, 1 per function call unless the
function has a size-dependent cost, 10 per list literal, 30 per map literal, nothing for constants
and the logical operators.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from kgen.cel._ast import (
    Call,
    Comprehension,
    Const,
    CreateList,
    CreateMap,
    CreateStruct,
    Expr,
    Ident,
    Select,
)
from kgen.cel._checker import Checked
from kgen.cel._errors import CostLimitExceeded, EvalError
from kgen.cel._library import Overload, runtime_matches
from kgen.cel._optionals import index_optional, select_optional
from kgen.cel._types import Type
from kgen.cel._values import Optional, TypeValue, UInt, map_lookup, type_name

__all__ = ["State", "plan"]

Fn = Callable[[dict[str, Any], "State"], Any]

_MISSING = object()


class _ErrVal:
    """An error held as a comprehension's accumulator value (errors are values in CEL: a later
    step may absorb it, as ``false && error`` does)."""

    __slots__ = ("err",)

    def __init__(self, err: EvalError) -> None:
        self.err = err


class State:
    __slots__ = ("cost", "limit")

    def __init__(self, limit: int | None) -> None:
        self.cost = 0
        self.limit = limit

    def check(self) -> None:
        if self.limit is not None and self.cost > self.limit:
            raise CostLimitExceeded()


class _Planner:
    def __init__(
        self,
        checked: Checked | None,
        functions: Mapping[str, list[Overload]],
        variables: Mapping[str, Any],
        type_values: Mapping[str, Type],
    ) -> None:
        self.checked = checked
        self.functions = functions
        self.variables = variables
        self.type_values = type_values
        self.locals: list[set[str]] = []

    def is_local(self, name: str) -> bool:
        return any(name in s for s in self.locals)

    def plan(self, e: Expr) -> Fn:
        if isinstance(e, Const):
            v = e.value
            return lambda act, st: v
        if isinstance(e, Ident):
            return self.plan_ident(e.id, e.name)
        if isinstance(e, Select):
            return self.plan_select(e)
        if isinstance(e, Call):
            return self.plan_call(e)
        if isinstance(e, CreateList):
            return self.plan_list(e)
        if isinstance(e, CreateMap):
            return self.plan_map(e)
        if isinstance(e, Comprehension):
            return self.plan_comprehension(e)
        if isinstance(e, CreateStruct):
            name = e.type_name

            def no_struct(act: dict[str, Any], st: State) -> Any:
                raise EvalError(f"unknown type: {name}")

            return no_struct
        raise AssertionError(e)

    def plan_ident(self, node_id: int, name: str) -> Fn:
        name = name.lstrip(".")
        if self.checked is not None and node_id in self.checked.type_idents:
            tv = TypeValue(_runtime_type_name(self.checked.type_idents[node_id], name))

            def type_ident(act: dict[str, Any], st: State) -> Any:
                st.cost += 1
                return tv

            return type_ident
        if self.checked is None and not self.is_local(name) and name in self.type_values:
            if name not in self.variables:
                tv = TypeValue(_runtime_type_name(self.type_values[name].params[0], name))

                def type_ident2(act: dict[str, Any], st: State) -> Any:
                    st.cost += 1
                    return tv

                return type_ident2

        if self.is_local(name):

            def local(act: dict[str, Any], st: State) -> Any:
                st.cost += 1
                v = act[name]
                if type(v) is _ErrVal:
                    raise v.err
                return v

            return local

        def ident(act: dict[str, Any], st: State) -> Any:
            st.cost += 1
            try:
                return act[name]
            except KeyError:
                raise EvalError(f"no such attribute(s): {name}") from None

        return ident

    def plan_select(self, e: Select) -> Fn:
        if self.checked is not None and e.id in self.checked.idents:
            return self.plan_ident(e.id, self.checked.idents[e.id])
        if self.checked is None and not e.test_only:
            from kgen.cel._checker import _Checker

            qname = _Checker.qualified_name(e)
            if qname is not None:
                root = qname.split(".")[0]
                if not self.is_local(root) and root not in self.variables:
                    if qname in self.variables or qname in self.type_values:
                        return self.plan_ident(e.id, qname)
        operand = self.plan(e.operand)
        field = e.field
        if self.checked is not None:
            ot = self.checked.types.get(e.operand.id)
            if ot is not None and ot.json_names and field in ot.json_names:
                field = ot.json_names[field]
        if e.test_only:

            def has(act: dict[str, Any], st: State) -> Any:
                o = operand(act, st)
                if type(o) is dict:
                    return field in o
                if isinstance(o, Optional):
                    if not o.has:
                        return False
                    o = o.value
                if isinstance(o, dict):
                    return map_lookup(o, field)[0]
                raise EvalError("invalid type for field selection.")

            return has

        def select(act: dict[str, Any], st: State) -> Any:
            o = operand(act, st)
            st.cost += 1
            if type(o) is dict:
                try:
                    return o[field]
                except KeyError:
                    raise EvalError(f"no such key: {field}") from None
            if isinstance(o, dict):
                found, v = map_lookup(o, field)
                if found:
                    return v
                raise EvalError(f"no such key: {field}")
            if isinstance(o, Optional) and (not o.has or isinstance(o.value, dict)):
                # optional field selection propagates through optionals (x.?a.b)
                return select_optional(o, field)
            raise EvalError(f"type '{type_name(o)}' does not support field selection")

        return select

    def candidates(self, e: Call) -> list[Overload]:
        if self.checked is not None and e.id in self.checked.overloads:
            return self.checked.overloads[e.id]
        member = e.target is not None
        n = len(e.args) + (1 if member else 0)
        return [
            ov
            for ov in self.functions.get(e.function, [])
            if ov.member == member and len(ov.params) == n
        ]

    def plan_call(self, e: Call) -> Fn:
        if self.checked is None:
            self.resolve_unchecked_function(e)
        fn = e.function
        args = ([self.plan(e.target)] if e.target is not None else []) + [
            self.plan(a) for a in e.args
        ]
        if fn == "_&&_":
            return _plan_and(args[0], args[1])
        if fn == "_||_":
            return _plan_or(args[0], args[1])
        if fn == "_?_:_":
            return _plan_cond(args[0], args[1], args[2])
        if fn == "@not_strictly_false":
            return _plan_not_strictly_false(args[0])
        if fn == "_[_]":
            return _plan_index(args[0], args[1])
        cands = self.candidates(e)
        if not cands:
            name = fn

            def no_overload(act: dict[str, Any], st: State) -> Any:
                for a in args:
                    a(act, st)
                raise EvalError(f"no such overload: {name}")

            return no_overload
        static = False
        if len(cands) == 1 and self.checked is not None:
            ov0 = cands[0]
            arg_nodes = ([e.target] if e.target is not None else []) + list(e.args)
            static = all(
                not p.is_dyn_like
                and _static_ok(self.checked.types.get(a.id))
                and p.kind not in ("list", "map")
                for p, a in zip(ov0.params, arg_nodes)
            )
        if static:
            ov = cands[0]
            impl = ov.impl
            assert impl is not None
            cost = ov.cost
            if len(args) == 1:
                a0 = args[0]
                if cost is None:

                    def call1(act: dict[str, Any], st: State) -> Any:
                        v = impl(a0(act, st))
                        st.cost += 1
                        return v

                    return call1

                def call1c(act: dict[str, Any], st: State) -> Any:
                    x = a0(act, st)
                    v = impl(x)
                    c = cost([x], v)
                    st.cost += 1 if c is None else c
                    st.check()
                    return v

                return call1c
            if len(args) == 2:
                a0, a1 = args
                if cost is None:

                    def call2(act: dict[str, Any], st: State) -> Any:
                        v = impl(a0(act, st), a1(act, st))
                        st.cost += 1
                        return v

                    return call2

                def call2c(act: dict[str, Any], st: State) -> Any:
                    x = a0(act, st)
                    y = a1(act, st)
                    v = impl(x, y)
                    c = cost([x, y], v)
                    st.cost += 1 if c is None else c
                    st.check()
                    return v

                return call2c

        name = fn

        def call(act: dict[str, Any], st: State) -> Any:
            vals = [a(act, st) for a in args]
            for ov in cands:
                for p, v in zip(ov.params, vals):
                    if not runtime_matches(p, v):
                        break
                else:
                    assert ov.impl is not None
                    result = ov.impl(*vals)
                    c = ov.cost(vals, result) if ov.cost is not None else None
                    st.cost += 1 if c is None else c
                    st.check()
                    return result
            raise EvalError(f"no such overload: {name}")

        return call

    def resolve_unchecked_function(self, e: Call) -> None:
        if e.target is None:
            e.function = e.function.lstrip(".")
            return
        from kgen.cel._checker import _Checker

        qname = _Checker.qualified_name(e.target)
        if qname is None:
            return
        root = qname.split(".")[0]
        if self.is_local(root) or root in self.variables:
            return
        full = f"{qname.lstrip('.')}.{e.function}"
        if full in self.functions:
            e.function = full
            e.target = None

    def plan_list(self, e: CreateList) -> Fn:
        elems = [self.plan(x) for x in e.elements]
        optional = e.optional_indices
        if not optional:
            if not elems:

                def empty_list(act: dict[str, Any], st: State) -> Any:
                    st.cost += 10
                    return []

                return empty_list

            def create_list(act: dict[str, Any], st: State) -> Any:
                out = [f(act, st) for f in elems]
                st.cost += 10
                return out

            return create_list

        def create_opt_list(act: dict[str, Any], st: State) -> Any:
            out = []
            for i, f in enumerate(elems):
                v = f(act, st)
                if i in optional:
                    if not isinstance(v, Optional):
                        raise EvalError("no such overload")
                    if v.has:
                        out.append(v.value)
                else:
                    out.append(v)
            st.cost += 10
            return out

        return create_opt_list

    def plan_map(self, e: CreateMap) -> Fn:
        entries = [(self.plan(k), self.plan(v), opt) for k, v, opt in e.entries]

        def create_map(act: dict[str, Any], st: State) -> Any:
            out: dict[Any, Any] = {}
            for kf, vf, opt in entries:
                k = kf(act, st)
                tk = type(k)
                if tk not in (str, int, UInt, bool):
                    raise EvalError(f"unsupported key type: {type_name(k)}")
                v = vf(act, st)
                if opt:
                    if not isinstance(v, Optional):
                        raise EvalError("no such overload")
                    if not v.has:
                        continue
                    v = v.value
                if map_lookup(out, k)[0]:
                    raise EvalError(f"Failed with repeated key: {k}")
                out[k] = v
            st.cost += 30
            return out

        return create_map

    def plan_comprehension(self, e: Comprehension) -> Fn:
        rng = self.plan(e.iter_range)
        init = self.plan(e.accu_init)
        accu = e.accu_var
        v1 = e.iter_var
        v2 = e.iter_var2
        self.locals.append({accu})
        self.locals.append({v1} | ({v2} if v2 else set()))
        cond = self.plan(e.loop_cond)
        step = self.plan(e.loop_step)
        self.locals.pop()
        result = self.plan(e.result)
        self.locals.pop()
        if e.macro == "bind":

            def bind(act: dict[str, Any], st: State) -> Any:
                saved = act.get(accu, _MISSING)
                act[accu] = init(act, st)
                try:
                    return result(act, st)
                finally:
                    _restore(act, accu, saved)

            return bind

        def comprehension(act: dict[str, Any], st: State) -> Any:
            r = rng(act, st)
            if isinstance(r, dict):
                pairs: Any = list(r.items()) if v2 else list(r.keys())
            elif isinstance(r, list):
                pairs = list(enumerate(r)) if v2 else r
            else:
                raise EvalError(f"cannot iterate over {type_name(r)}")
            saved_accu = act.get(accu, _MISSING)
            saved1 = act.get(v1, _MISSING)
            saved2 = act.get(v2, _MISSING) if v2 else _MISSING
            act[accu] = init(act, st)
            limit = st.limit
            try:
                if v2:
                    for k, v in pairs:
                        act[v1] = k
                        act[v2] = v
                        c = cond(act, st)
                        if c is False:
                            break
                        if c is not True:
                            raise EvalError("no such overload")
                        try:
                            act[accu] = step(act, st)
                        except EvalError as err:
                            act[accu] = _ErrVal(err)
                        if limit is not None and st.cost > limit:
                            raise CostLimitExceeded()
                else:
                    for x in pairs:
                        act[v1] = x
                        c = cond(act, st)
                        if c is False:
                            break
                        if c is not True:
                            raise EvalError("no such overload")
                        try:
                            act[accu] = step(act, st)
                        except EvalError as err:
                            act[accu] = _ErrVal(err)
                        if limit is not None and st.cost > limit:
                            raise CostLimitExceeded()
                return result(act, st)
            finally:
                _restore(act, accu, saved_accu)
                _restore(act, v1, saved1)
                if v2:
                    _restore(act, v2, saved2)

        return comprehension


def _static_ok(t: Type | None) -> bool:
    return t is not None and not t.is_dyn_like


def _runtime_type_name(t: Type, name: str) -> str:
    k = t.kind
    if k == "list":
        return "list"
    if k == "map":
        return "map"
    if k == "null":
        return "null_type"
    if k == "type":
        return "type"
    if k == "dyn":
        return name
    return t.name


def _restore(act: dict[str, Any], name: str, saved: Any) -> None:
    if saved is _MISSING:
        act.pop(name, None)
    else:
        act[name] = saved


def _plan_and(left: Fn, right: Fn) -> Fn:
    def and_(act: dict[str, Any], st: State) -> Any:
        err: EvalError | None = None
        try:
            lv = left(act, st)
        except EvalError as e:
            err = e
            lv = None
        if lv is False:
            return False
        try:
            rv = right(act, st)
        except EvalError as e:
            if err is None:
                err = e
            rv = None
        if rv is False:
            return False
        if err is not None:
            raise err
        if lv is True and rv is True:
            return True
        raise EvalError("no such overload")

    return and_


def _plan_or(left: Fn, right: Fn) -> Fn:
    def or_(act: dict[str, Any], st: State) -> Any:
        err: EvalError | None = None
        try:
            lv = left(act, st)
        except EvalError as e:
            err = e
            lv = None
        if lv is True:
            return True
        try:
            rv = right(act, st)
        except EvalError as e:
            if err is None:
                err = e
            rv = None
        if rv is True:
            return True
        if err is not None:
            raise err
        if lv is False and rv is False:
            return False
        raise EvalError("no such overload")

    return or_


def _plan_cond(c: Fn, t: Fn, f: Fn) -> Fn:
    def cond(act: dict[str, Any], st: State) -> Any:
        v = c(act, st)
        if v is True:
            return t(act, st)
        if v is False:
            return f(act, st)
        raise EvalError("no such overload")

    return cond


def _plan_index(container: Fn, key: Fn) -> Fn:
    from kgen.cel._stdlib import index_list, index_map

    def index(act: dict[str, Any], st: State) -> Any:
        c = container(act, st)
        k = key(act, st)
        st.cost += 1
        if isinstance(c, list):
            return index_list(c, k)
        if isinstance(c, dict):
            return index_map(c, k)
        if isinstance(c, Optional):
            return index_optional(c, k)
        raise EvalError("no such overload: _[_]")

    return index


def _plan_not_strictly_false(a: Fn) -> Fn:
    def nsf(act: dict[str, Any], st: State) -> Any:
        st.cost += 1
        try:
            v = a(act, st)
        except EvalError:
            return True
        return v is not False

    return nsf


def plan(
    expr: Expr,
    checked: Checked | None,
    functions: Mapping[str, list[Overload]],
    variables: Mapping[str, Any],
    type_values: Mapping[str, Type],
) -> Fn:
    return _Planner(checked, functions, variables, type_values).plan(expr)
