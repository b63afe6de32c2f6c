"""Per-test clientsets and namespaces (the async source of tests/runtime/clients/_sync/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from example_client.clientset import AsyncClientset
from example_client.models.core_v1 import Namespace

from kgen.runtime._config import Config
from kgen.runtime._meta import ObjectMeta


@pytest.fixture
async def cs(config: Config) -> AsyncIterator[AsyncClientset]:
    async with AsyncClientset(config) as clientset:
        yield clientset


@pytest.fixture
async def namespace(cs: AsyncClientset) -> AsyncIterator[str]:
    name = f"t-{uuid.uuid4().hex[:10]}"
    await cs.core_v1.namespaces().create(Namespace(metadata=ObjectMeta(name=name)))
    yield name
    await cs.core_v1.namespaces().delete(name)
