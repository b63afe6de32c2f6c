"""Environments (declared variables + function libraries) and compiled programs."""

from __future__ import annotations

import sys
from typing import Any, Callable, Mapping

from kgen.cel._ast import Expr, Ident
from kgen.cel._checker import Checked, check
from kgen.cel._errors import CompileError, Issue
from kgen.cel._interpreter import Fn, State, plan
from kgen.cel._library import Library
from kgen.cel._parser import parse
from kgen.cel._optionals import optional_library
from kgen.cel._sets import sets_library
from kgen.cel._stdlib import TYPE_NAMES, standard_library
from kgen.cel._strings import strings_library
from kgen.cel._types import DYN, Type

__all__ = ["Env", "Program", "SizeEstimator"]

# path (variable, then field names, '@items', '@values', '@keys') → (min, max) or None
SizeEstimator = Callable[[list[str]], "tuple[int, int] | None"]


def _ensure_recursion_limit() -> None:
    if sys.getrecursionlimit() < 20000:
        sys.setrecursionlimit(20000)


class Program:
    """A compiled expression: parse + check (+ plan) done once; ``evaluate`` runs it."""

    __slots__ = ("source", "ast", "checked", "result_type", "_fn", "env", "_cost")

    def __init__(self, source: str, ast: Expr, checked: Checked | None, fn: Fn, env: Env) -> None:
        self.source = source
        self.ast = ast
        self.checked = checked
        self.result_type: Type = checked.types[ast.id] if checked is not None else DYN
        self._fn = fn
        self.env = env
        self._cost: tuple[int, int] | None = None

    def evaluate(
        self, activation: Mapping[str, Any], cost_limit: int | None = None
    ) -> tuple[Any, int]:
        """Evaluate with the variables of ``activation``; return (value, runtime cost).

        Raises EvalError for an error value and CostLimitExceeded past ``cost_limit``."""
        st = State(cost_limit)
        act = dict(activation)
        value = self._fn(act, st)
        if cost_limit is not None and st.cost > cost_limit:
            st.check()
        return value, st.cost

    def references(self, name: str) -> bool:
        """Does the expression refer to the variable ``name`` (as kube-apiserver finds oldSelf)?"""
        if self.checked is not None:
            return name in self.checked.idents.values()
        stack = [self.ast]
        while stack:
            e = stack.pop()
            if isinstance(e, Ident) and e.name == name:
                return True
            stack.extend(e.children())
        return False

    def estimate_cost(self, size_estimator: SizeEstimator | None = None) -> tuple[int, int]:
        """The static cost estimate (min, max) in cel-go's cost units."""
        from kgen.cel._cost import estimate

        if self.checked is None:
            raise ValueError("cost estimation needs a checked expression")
        if size_estimator is None and self._cost is not None:
            return self._cost
        cost = estimate(self.ast, self.checked, size_estimator)
        if size_estimator is None:
            self._cost = cost
        return cost


class Env:
    """Declared variables and the function libraries of an environment.

    ``kubernetes=True`` (the default) gives the environment kube-apiserver compiles CRD rules in
    (Kubernetes 1.33: the standard library, optionals, strings v2, sets, two-variable
    comprehensions, and Kubernetes' lists, regex, url, quantity, ip, cidr, format and semver).
    """

    def __init__(
        self,
        variables: Mapping[str, Type] | None = None,
        *,
        kubernetes: bool = True,
        homogeneous_literals: bool | None = None,
        extra: Library | None = None,
    ) -> None:
        self.variables = dict(variables or {})
        lib = standard_library()
        lib.extend(optional_library())
        lib.extend(strings_library())
        lib.extend(sets_library())
        if kubernetes:
            from kgen.cel._k8slib import kubernetes_library

            lib.extend(kubernetes_library())
        if extra is not None:
            lib.extend(extra)
        self.library = lib
        self.type_names: dict[str, Type] = dict(TYPE_NAMES)
        if kubernetes:
            from kgen.cel._k8slib import KUBERNETES_TYPE_NAMES

            self.type_names.update(KUBERNETES_TYPE_NAMES)
        self.homogeneous = kubernetes if homogeneous_literals is None else homogeneous_literals

    def extend(self, variables: Mapping[str, Type]) -> Env:
        """A copy of this environment with more variables (sharing the libraries)."""
        new = Env.__new__(Env)
        new.variables = {**self.variables, **variables}
        new.library = self.library
        new.type_names = self.type_names
        new.homogeneous = self.homogeneous
        return new

    def compile(self, source: str, *, check_types: bool = True, macros: bool = True) -> Program:
        """Parse and type-check ``source``; raise CompileError with cel-go's messages."""
        _ensure_recursion_limit()
        ast, _ = parse(source, macros=macros)
        checked = None
        if check_types:
            checked = check(
                ast,
                source,
                self.variables,
                self.library.functions,
                self.type_names,
                self.homogeneous,
            )
        fn = plan(ast, checked, self.library.functions, self.variables, self.type_names)
        return Program(source, ast, checked, fn, self)


def compile_error(source: str, message: str) -> CompileError:
    return CompileError(source, [Issue(0, message)])
