"""Name checks of ``k8s.io/apimachinery/pkg/util/validation``, with its messages.

Each check returns the list of what is wrong (empty when the value is valid), worded as kube-apiserver
words it: label keys and values here are checked the same way in a label selector a client builds, in
one a lister parses, and by kgen.testing's server, which answers with these messages.
"""

from __future__ import annotations

import json
import re

__all__ = [
    "dns1035_label",
    "dns1123_label",
    "dns1123_subdomain",
    "go_quote",
    "label_value",
    "qualified_name",
]

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = _LABEL + r"(\." + _LABEL + r")*"
_LABEL_1035 = r"[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE = r"(" + _QUALIFIED + r")?"

_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    f"validation is '{_SUBDOMAIN}')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    f"validation is '{_LABEL}')"
)
_LABEL_1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
    f"regex used for validation is '{_LABEL_1035}')"
)
_QUALIFIED_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    f"validation is '{_QUALIFIED}')"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
    f"'12345', regex used for validation is '{_LABEL_VALUE}')"
)


def _full(pattern: str) -> re.Pattern[str]:
    return re.compile(f"^{pattern}$")


_SUBDOMAIN_RE = _full(_SUBDOMAIN)
_LABEL_RE = _full(_LABEL)
_LABEL_1035_RE = _full(_LABEL_1035)
_QUALIFIED_RE = _full(_QUALIFIED)
_LABEL_VALUE_RE = _full(_LABEL_VALUE)


def go_quote(text: str) -> str:
    """Go's %q for the strings that appear in messages (JSON escaping is the same for printable text)."""
    return json.dumps(text, ensure_ascii=False)


def _max(length: int) -> str:
    return f"must be no more than {length} characters"


def _mask_trailing_dash(name: str) -> str:
    # A generateName prefix may end in '-': validate it as if a generated suffix followed.
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name


def dns1123_subdomain(name: str, prefix: bool = False) -> list[str]:
    """IsDNS1123Subdomain (``prefix``: a generateName, which may end in '-')."""
    if prefix:
        name = _mask_trailing_dash(name)
    errors = []
    if len(name) > 253:
        errors.append(_max(253))
    if not _SUBDOMAIN_RE.match(name):
        errors.append(_SUBDOMAIN_MSG)
    return errors


def dns1123_label(name: str, prefix: bool = False) -> list[str]:
    """IsDNS1123Label."""
    if prefix:
        name = _mask_trailing_dash(name)
    errors = []
    if len(name) > 63:
        errors.append(_max(63))
    if not _LABEL_RE.match(name):
        errors.append(_LABEL_MSG)
    return errors


def dns1035_label(name: str, prefix: bool = False) -> list[str]:
    """IsDNS1035Label."""
    if prefix:
        name = _mask_trailing_dash(name)
    errors = []
    if len(name) > 63:
        errors.append(_max(63))
    if not _LABEL_1035_RE.match(name):
        errors.append(_LABEL_1035_MSG)
    return errors


def qualified_name(value: str) -> list[str]:
    """IsQualifiedName: label and annotation keys."""
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
        prefix_errors: list[str] = []
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            prefix_errors = ["prefix part must be non-empty"]
        else:
            prefix_errors = [f"prefix part {m}" for m in dns1123_subdomain(prefix)]
    else:
        return [
            "a qualified name "
            + _QUALIFIED_MSG.replace("name part ", "", 1)
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    errors = list(prefix_errors)
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part " + _max(63))
    if not _QUALIFIED_RE.match(name):  # an empty name fails this too, as in apimachinery
        errors.append(_QUALIFIED_MSG)
    return errors


def label_value(value: str) -> list[str]:
    """IsValidLabelValue."""
    errors = []
    if len(value) > 63:
        errors.append(_max(63))
    if not _LABEL_VALUE_RE.match(value):
        errors.append(_LABEL_VALUE_MSG)
    return errors
