"""The Python naming rules of the API model: how wire names become module, class and attribute names.

The builder (:mod:`kgen.model.naming`) applies them once to give every part of a model its final name;
the emitters use the same rules for the names they derive (``PodClient``, ``core_v1``), so the two cannot
disagree. Names from specs are untrusted text: every name is reduced to ASCII letters, digits and
underscores and checked against keywords and against the names a generated module itself uses.
"""

from __future__ import annotations

import builtins
import keyword
import re

from kgen.apimodel.shared import SHARED_TYPES

__all__ = [
    "ATTRIBUTE_RESERVED",
    "attribute_name",
    "class_name",
    "group_module_base",
    "identifier",
    "snake_case",
    "snake_to_camel",
]

# Names a generated models module imports or uses in annotations: a class, alias or attribute with one of
# these names would shadow it (annotations are resolved in the module and class namespaces).
_MODULE_NAMES = frozenset(
    {
        "Any",
        "ClassVar",
        "Literal",
        "TYPE_CHECKING",
        "TypeAlias",
        "annotations",
        "datetime",
        "field",
        "msgspec",
        "Struct",
        "KubernetesObject",
        "KubernetesList",
        "MicroTime",
        "ResourceInfo",
        "SubresourceInfo",
        "GroupVersionKind",
        "ApplyConfiguration",  # and the apply modules (kgen.emit.applyconfigs)
        "frozenset",
        *SHARED_TYPES,
    }
)
# Names the other generated modules (clients, listers, informers, fake, clientset) import next to the
# models they use: a kind with one of these names would replace the runtime's class in that module.
_CLIENT_MODULE_NAMES = frozenset(
    {
        prefix + name
        for prefix in ("", "Async")
        for name in (
            "AllVerbs",
            "Apply",
            "Clientset",
            "ClientsetBase",
            "Create",
            "Delete",
            "DeleteCollection",
            "FakeClientsetBase",
            "Get",
            "GroupInformers",
            "GroupVersionClient",
            "Iterator",
            "List",
            "LogSubresource",
            "Patch",
            "ReadVerbs",
            "ResourceClient",
            "ResourceInformer",
            "ScaleSubresource",
            "StatusSubresource",
            "Transport",
            "Update",
            "Watch",
        )
    }
    | {"FakeCluster", "FieldValidation", "PatchType", "Scheme", "Scale", "Status", "WriteOptions"}
)
ATTRIBUTE_RESERVED = (
    frozenset(
        {
            "bool",
            "bytes",
            "dict",
            "float",
            "int",
            "list",
            "str",
            "tuple",
            "None",
            "True",
            "False",
        }
    )
    | _MODULE_NAMES
)

_ACRONYM_PLURAL = re.compile(r"([A-Z]{2,})s(?=[A-Z_\-.\d]|$)")
_ACRONYM_VERSION = re.compile(r"([A-Z]{2,})v(?=\d)")
# A version after an acronym, upper case: ``APIV3`` is the words API and V3.
_UPPER_VERSION = re.compile(r"(?<=[A-Z])(?=V\d)")
_UPPER_RUN = re.compile(r"([A-Z]+)([A-Z][a-z])")
_LOWER_UPPER = re.compile(r"([a-z\d])([A-Z])")
_NON_WORD = re.compile(r"[^0-9A-Za-z]+")


def snake_case(name: str) -> str:
    """``podIPs`` -> ``pod_ips``, ``serverAddressByClientCIDRs`` -> ``server_address_by_client_cidrs``,
    ``openAPIV3Schema`` -> ``open_api_v3_schema``, ``x-kubernetes-list-type`` -> ``x_kubernetes_list_type``.

    An upper-case run followed by a lower-case ``s`` is an acronym plural (IPs, CIDRs, URLs): the ``s``
    belongs to it, so it does not start a new word. A version in lower case after an acronym stays with
    it (``clusterIPv4CIDR`` -> ``cluster_ipv4_cidr``); in upper case it is a word (``APIV3`` -> ``api_v3``).
    """
    text = _UPPER_VERSION.sub("_", name)
    text = _ACRONYM_VERSION.sub(lambda m: m.group(1).capitalize() + "v", text)
    text = _ACRONYM_PLURAL.sub(lambda m: m.group(1).capitalize() + "s", text)
    text = _UPPER_RUN.sub(r"\1_\2", text)
    text = _LOWER_UPPER.sub(r"\1_\2", text)
    text = _NON_WORD.sub("_", text).strip("_").lower()
    return re.sub(r"_+", "_", text)


def identifier(text: str, *, fallback: str) -> str:
    cleaned = _NON_WORD.sub("_", text).strip("_")
    if not cleaned:
        cleaned = fallback
    if cleaned[0].isdigit():
        cleaned = f"{fallback}_{cleaned}"
    return cleaned


def attribute_name(json_name: str) -> str:
    """The attribute for one wire name, before collisions within a class are settled."""
    name = snake_case(json_name)
    if not name:
        name = "field"
    if name[0].isdigit():
        name = f"f_{name}"
    if keyword.iskeyword(name) or name in ATTRIBUTE_RESERVED:
        name += "_"
    return name


def class_name(text: str) -> str:
    """A class name for ``text``; one that would shadow a keyword, a builtin or a name the generated
    modules import gets the suffix ``Model`` (datamodel-code-generator drops a trailing underscore and
    uses that suffix itself), so that a kind called ``Status`` or ``Update`` is ``StatusModel``."""
    # No underscores: datamodel-code-generator joins the parts of a class name itself.
    parts = identifier(text, fallback="Type").split("_")
    name = "".join(part[:1].upper() + part[1:] for part in parts if part)
    if (
        keyword.iskeyword(name)
        or name in _MODULE_NAMES
        or name in _CLIENT_MODULE_NAMES
        or hasattr(builtins, name)
    ):
        name += "Model"
    return name


def group_module_base(group: str) -> str:
    """``""`` -> ``core``; ``apps`` -> ``apps``; ``rbac.authorization.k8s.io`` -> ``rbac_authorization``;
    ``cert-manager.io`` -> ``cert_manager_io``."""
    if not group:
        return "core"
    if group.endswith(".k8s.io"):
        group = group[: -len(".k8s.io")]
    return identifier(group.lower(), fallback="g")


def snake_to_camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.strip("_").split("_"))
