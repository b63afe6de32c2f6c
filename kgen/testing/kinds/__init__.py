"""The rules of kinds with registries of their own, one module per kind, as kube-apiserver keeps them in
``pkg/registry/<group>/<kind>/strategy.go`` (and the kind's REST where it overrides the generic store):

- :mod:`.namespaces`: the ``kubernetes`` finalizer and Active phase, spec only through ``finalize``,
  deletion that marks Terminating first;
- :mod:`.pods`: the initial status with the QoS class, graceful deletion of bound pods;
- :mod:`.services`, :mod:`.deployments`: the status a create starts from;
- :mod:`.configmaps`: ConfigMaps and Secrets hold at most 1 MiB of data;
- :mod:`.customresources`: a custom resource with a status subresource is created without status.

CustomResourceDefinitions have theirs in :mod:`kgen.testing.crds`. Every other kind follows the generic
store (:class:`Strategy`'s defaults), which the verbs (:mod:`kgen.testing.verbs`) implement.
"""

from __future__ import annotations

from kgen.testing.kinds.base import Strategy
from kgen.testing.kinds.configmaps import ConfigMapStrategy, SecretStrategy
from kgen.testing.kinds.customresources import CustomResourceStrategy
from kgen.testing.kinds.deployments import DeploymentStrategy
from kgen.testing.kinds.namespaces import NamespaceStrategy
from kgen.testing.kinds.pods import PodStrategy
from kgen.testing.kinds.services import ServiceStrategy

__all__ = [
    "BUILTIN_STRATEGIES",
    "CUSTOM_RESOURCE_STRATEGY",
    "GENERIC_STRATEGY",
    "Strategy",
]

#: The strategies of the built-in kinds that have rules of their own, by group/resource.
BUILTIN_STRATEGIES: dict[tuple[str, str], Strategy] = {
    ("", "configmaps"): ConfigMapStrategy(),
    ("", "namespaces"): NamespaceStrategy(),
    ("", "secrets"): SecretStrategy(),
    ("", "pods"): PodStrategy(),
    ("", "services"): ServiceStrategy(),
    ("apps", "deployments"): DeploymentStrategy(),
}
#: What every custom resource follows.
CUSTOM_RESOURCE_STRATEGY: Strategy = CustomResourceStrategy()
#: The generic store's rules, for every other kind.
GENERIC_STRATEGY = Strategy()
