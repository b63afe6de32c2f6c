"""The patch algorithms of the test API server, as kube-apiserver runs them.

- :func:`apply_json_patch`: JSON patch (RFC 6902, with json-patch v4's leniencies);
- :func:`apply_strategic_merge_patch`: strategic merge patch, for built-in kinds;
- :func:`server_side_apply` and :func:`track_update`: server-side apply, and the managedFields
  bookkeeping of every write (:class:`FieldSet` is the FieldsV1 format);
- :func:`type_info`: the :class:`FieldInfo` tree these read from the API model.

JSON merge patch is :func:`kgen.runtime._patch.apply_merge_patch`. Errors carry the HTTP status the
apiserver answers with: :class:`PatchError` (and its :class:`StrategicPatchError` and
:class:`ApplyError`) and :class:`ApplyConflict` (409).
"""

from __future__ import annotations

from kgen.testing.merge.apply import (
    BEFORE_FIRST_APPLY_MANAGER,
    ApplyConflict,
    ApplyError,
    FieldConflict,
    server_side_apply,
    track_update,
)
from kgen.testing.merge.fieldpath import (
    FieldPathError,
    FieldSet,
    Path,
    PathElement,
    path_string,
    paths_of,
)
from kgen.testing.merge.json_patch import MAX_OPERATIONS, PatchError, apply_json_patch, json_equal
from kgen.testing.merge.managed import (
    ANCIENT_CHANGES_MANAGER,
    MAX_UPDATE_MANAGERS,
    decode_managed_fields,
)
from kgen.testing.merge.schema import ANY, FieldInfo, type_info
from kgen.testing.merge.strategic import StrategicPatchError, apply_strategic_merge_patch

__all__ = [
    "ANCIENT_CHANGES_MANAGER",
    "ANY",
    "ApplyConflict",
    "ApplyError",
    "BEFORE_FIRST_APPLY_MANAGER",
    "FieldConflict",
    "FieldInfo",
    "FieldPathError",
    "FieldSet",
    "MAX_OPERATIONS",
    "MAX_UPDATE_MANAGERS",
    "PatchError",
    "Path",
    "PathElement",
    "StrategicPatchError",
    "apply_json_patch",
    "apply_strategic_merge_patch",
    "decode_managed_fields",
    "json_equal",
    "path_string",
    "paths_of",
    "server_side_apply",
    "track_update",
    "type_info",
]
