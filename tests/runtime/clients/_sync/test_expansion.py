# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""A generated client extended with methods of its own, without editing generated files (client-go's
expansion interfaces): subclass it, and make the subclass from the client a clientset gives."""

from __future__ import annotations

import pytest
from example_client.clients.core_v1 import ConfigMapClient
from example_client.clientset import Clientset
from example_client.models.core_v1 import ConfigMap

from kgen.runtime import ObjectMeta


class Settings(ConfigMapClient):
    """ConfigMaps, with one read a program makes everywhere."""

    def value(self, name: str, key: str) -> str | None:
        return ((self.get(name)).data or {}).get(key)


def test_a_subclass_of_a_generated_client_has_its_verbs_and_its_own_methods(
    cs: Clientset, namespace: str
) -> None:
    settings = Settings.from_client(cs.core_v1.configmaps(namespace))
    assert isinstance(settings, ConfigMapClient) and settings.namespace == namespace
    settings.create(ConfigMap(metadata=ObjectMeta(name="app"), data={"mode": "fast"}))
    assert settings.value("app", "mode") == "fast"
    assert cs.core_v1.configmaps(namespace).get("app")  # the same resource, same namespace
    everywhere = Settings.from_client(cs.core_v1.configmaps(None))
    listed = (everywhere.list()).items
    assert [
        c.metadata.name for c in listed if c.metadata and c.metadata.namespace == namespace
    ] == ["app"]


def test_a_subclass_is_made_only_from_the_client_it_extends(cs: Clientset, namespace: str) -> None:
    with pytest.raises(TypeError, match="does not extend"):
        Settings.from_client(cs.core_v1.secrets(namespace))
