"""The apiserver's rules for the names an API is made of (k8s.io/apimachinery/pkg/util/validation, and
apiextensions' ``ValidateCustomResourceDefinitionNames``): groups, versions, resources and kinds.

A name that breaks them cannot be served by a kube-apiserver, and here they become module, class and
attribute names, so inputs are held to them wherever they come from (CRDs, OpenAPI paths and
``x-kubernetes-group-version-kind``). Each function returns what is wrong, or None.
"""

from __future__ import annotations

import re

__all__ = ["group_problem", "kind_problem", "label_problem", "subdomain_problem"]

_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def label_problem(value: str) -> str | None:
    """IsDNS1035Label: versions, plurals, singulars, short names, categories."""
    if len(value) > 63:
        return "must be no more than 63 characters"
    if not _DNS1035_LABEL.fullmatch(value):
        return (
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
            "with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name')"
        )
    return None


def subdomain_problem(value: str) -> str | None:
    """IsDNS1123Subdomain: metadata names, API groups."""
    if len(value) > 253:
        return "must be no more than 253 characters"
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        return (
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')"
        )
    return None


def group_problem(value: str, *, crd: bool) -> str | None:
    """An API group: a DNS subdomain, with a dot for a CRD's (the core group is empty)."""
    if not value:
        return "a CustomResourceDefinition's group is required" if crd else None
    problem = subdomain_problem(value)
    if problem is None and crd and "." not in value:
        problem = "should be a domain with at least one dot"
    return problem


def kind_problem(value: str) -> str | None:
    """A kind (or list kind): may have mixed case, but must otherwise be a DNS-1035 label."""
    if not value:
        return "is required"
    problem = label_problem(value.lower())
    return (
        None if problem is None else f"may have mixed case, but should otherwise match: {problem}"
    )
