"""CEL for Kubernetes: the Common Expression Language as kube-apiserver evaluates
``x-kubernetes-validations`` rules (a parser, a type checker, an interpreter with runtime cost
limits, the static cost estimator, and Kubernetes' function libraries).

Of the rest of kgen, kgen.cel imports only the runtime's pure value modules: a quantity and
apimachinery's name checks have one implementation, the runtime's (no I/O, no HTTP stack is loaded).
Compile once, evaluate many times::

    env = Env({"self": types.INT})
    program = env.compile("self > 0")
    value, cost = program.evaluate({"self": 3}, cost_limit=PER_CALL_LIMIT)
"""

from kgen.cel import types
from kgen.cel._env import Env, Program
from kgen.cel._errors import CELError, CompileError, CostLimitExceeded, EvalError, Issue
from kgen.cel._values import Duration, Optional, Timestamp, TypeValue, UInt

__all__ = [
    "CELError",
    "CompileError",
    "CostLimitExceeded",
    "Duration",
    "Env",
    "EvalError",
    "Issue",
    "Optional",
    "Program",
    "Timestamp",
    "TypeValue",
    "UInt",
    "types",
]
