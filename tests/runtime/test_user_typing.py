"""Typing as users meet it: a user's code and a user's test, checked with ``mypy --strict``.

``with SharedInformerFactory(cs) as factory`` must give the *generated* factory (with its groups), as
``with Clientset() as cs`` gives the generated clientset; and the pytest plugin must hand a test its own
``Clientset`` class, typed. Each check pairs code that must pass with a mistake that must be reported
under the precise type (an ``Any`` would let both through).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from example_client.clientset import Clientset
from example_client.models.core_v1 import ConfigMap

from kgen.runtime import ClientsetBase, Config, ObjectMeta
from kgen.testing.pytest_plugin import KubeConnect

ROOT = Path(__file__).resolve().parents[2]

USER_CODE = """
from __future__ import annotations

from example_client.clientset import AsyncClientset, Clientset
from example_client.informers import AsyncSharedInformerFactory, SharedInformerFactory
from example_client.listers.core_v1 import ConfigMapLister
from example_client.models.core_v1 import ConfigMap, ConfigMapList

from kgen.runtime import Config, ListerInNamespace, ResourceEventHandlerFuncs
from kgen.testing.pytest_plugin import KubeConnect


def readme(cs: Clientset, handler: ResourceEventHandlerFuncs[ConfigMap]) -> None:
{readme}


def sync_factory(cs: Clientset) -> ListerInNamespace[ConfigMap]:
    with SharedInformerFactory(cs) as factory:
        lister: ConfigMapLister = factory.core_v1.configmaps.lister()
        return lister.namespace("default")


async def async_factory(config: Config) -> ConfigMap:
    async with AsyncClientset(config) as cs, AsyncSharedInformerFactory(cs) as factory:
        factory.start()
        await factory.wait_for_cache_sync(timeout=30)
        return factory.core_v1.configmaps.lister().namespace("default").get("x")


def test_mine(kube_connect: KubeConnect, kube_config: Config) -> None:
    cs = kube_connect(Clientset)
    configmaps: ConfigMapList = cs.core_v1.configmaps("default").list()
    assert configmaps.items == []
    assert isinstance(AsyncClientset(kube_config), AsyncClientset)
"""

MISTAKES = """
from __future__ import annotations

from example_client.clientset import AsyncClientset, Clientset
from example_client.informers import AsyncSharedInformerFactory, SharedInformerFactory

from kgen.testing.pytest_plugin import KubeConnect


async def mistakes(cs: Clientset, acs: AsyncClientset, kube_connect: KubeConnect) -> None:
    with SharedInformerFactory(cs) as factory:
        reveal_type(factory)
    async with AsyncSharedInformerFactory(acs) as async_factory:
        reveal_type(async_factory)
    reveal_type(kube_connect(Clientset))
    kube_connect(AsyncClientset)
"""


def docs_informer_example() -> str:
    """The informer example of the documentation (it was the README's before the docs site)."""
    text = (ROOT / "docs" / "controllers.md").read_text()
    start = text.index("## Informers and listers")
    section = text[start : text.index("\n## ", start + 1)]
    blocks = [b for b in re.findall(r"```python\n(.*?)```", section, re.S) if "Factory" in b]
    assert len(blocks) == 1, "the docs' informers section has one informer example"
    return blocks[0]


def mypy(tmp_path: Path, name: str, code: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / name
    path.write_text(code)
    env = {**os.environ, "MYPYPATH": str(ROOT / "generated")}
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )


def test_user_code_type_checks(tmp_path: Path) -> None:
    readme = textwrap.indent(docs_informer_example(), "    ")
    result = mypy(tmp_path, "user_code.py", USER_CODE.format(readme=readme))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_types_are_the_generated_classes(tmp_path: Path) -> None:
    result = mypy(tmp_path, "mistakes.py", MISTAKES)
    output = result.stdout
    assert re.findall(r'Revealed type is "([^"]+)"', output) == [
        "example_client.informers.SharedInformerFactory",
        "example_client.informers.AsyncSharedInformerFactory",
        "example_client.clientset.Clientset",
    ], output
    # An async clientset belongs to the test's loop: kube_connect refuses it, for the checker too.
    message = 'Value of type variable "C" of "__call__" of "KubeConnect" cannot be "AsyncClientset"'
    assert message in output and output.count("error:") == 1, output


@pytest.fixture
def kgen_apiserver_options() -> dict[str, Any]:
    return {"package": "example_client"}


def test_kube_connect_gives_the_class_it_is_given(
    kube_connect: KubeConnect, kube_config: Config
) -> None:
    cs = kube_connect(Clientset)
    assert type(cs) is Clientset
    cs.core_v1.configmaps("default").create(ConfigMap(metadata=ObjectMeta(name="x")))
    assert [c.metadata.name for c in cs.core_v1.configmaps("default").list().items] == ["x"]
    assert kube_config.qps == 0 and cs.config.qps == 0  # tests are not throttled
    assert str(kube_config.server) == str(cs.config.server)


def test_kube_connect_closes_what_it_opened(kube_connect: KubeConnect) -> None:
    closed: list[ClientsetBase] = []

    class Recording(Clientset):
        def close(self) -> None:
            closed.append(self)
            super().close()

    first, second = kube_connect(Recording), kube_connect(Recording)
    assert isinstance(first, Recording) and closed == []
    kube_connect.close()  # what the fixture does when the test ends
    assert closed == [second, first]
