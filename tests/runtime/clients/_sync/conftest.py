# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""Per-test clientsets and namespaces (the async source of tests/runtime/clients/_sync/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from example_client.clientset import Clientset
from example_client.models.core_v1 import Namespace

from kgen.runtime._config import Config
from kgen.runtime._meta import ObjectMeta


@pytest.fixture
def cs(config: Config) -> Iterator[Clientset]:
    with Clientset(config) as clientset:
        yield clientset


@pytest.fixture
def namespace(cs: Clientset) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:10]}"
    cs.core_v1.namespaces().create(Namespace(metadata=ObjectMeta(name=name)))
    yield name
    cs.core_v1.namespaces().delete(name)
