"""kgen.cel stands alone: of kgen it loads only the runtime's pure value modules (quantities, name
checks), never the HTTP stack, clients or configuration (the import contract "cel" in pyproject.toml
says the same of the import graph)."""

from __future__ import annotations

import json
import subprocess
import sys

ALLOWED = {
    "kgen",
    "kgen.cel",
    "kgen.runtime",
    "kgen.runtime._httpx_import",  # loaded with the package itself (no I/O, no other kgen module)
    "kgen.runtime._lazy",  # the front door's first-use import, loaded with the package too
    "kgen.runtime._types",
    "kgen.runtime._validation",
    "kgen.runtime._violation",
}


def test_compiling_and_running_every_library_loads_no_other_module_of_kgen() -> None:
    script = (
        "import json, sys\n"
        "from kgen.cel import Env\n"
        "from kgen.cel.schema import CompiledSchema\n"
        "rule = \"quantity('1Gi').isGreaterThan(quantity('1G')) && "
        "!format.dns1123Label().validate(self).hasValue() && isURL('https://a/') && "
        "ip('::1').family() == 6 && semver('1.0.0').major() == 1 && [1].sum() == 1 && "
        "'a'.find('a') == 'a'\"\n"
        "assert Env({}).compile(rule.replace('self', \"'a'\")).evaluate({})[0] is True\n"
        "schema = {'type': 'object', 'properties': {'spec': {'type': 'string', "
        "'x-kubernetes-validations': [{'rule': rule}]}}}\n"
        "assert CompiledSchema(schema).validate({'spec': 'a'}) == []\n"
        "kgen = sorted(m for m in sys.modules if m == 'kgen' or m.startswith('kgen.'))\n"
        "print(json.dumps({'kgen': kgen, 'httpx': 'httpx' in sys.modules}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    modules = json.loads(result.stdout)
    assert {m for m in modules["kgen"] if not m.startswith("kgen.cel.")} == ALLOWED
    assert modules["httpx"] is False
