"""Form, field and row permissions (DESIGN §4 "Permission semantics").

- `access.py`  — `Access`: what one actor may do with one form (`access_for`)
- `scope.py`   — row scopes compiled to SQL (`ScopeCompiler`, `record_in_scope`)
- `reads.py`   — `RecordReader`: 403/404 and hidden-field stripping for reads
- `policy.py`  — `PermissionPolicy`: the object the record service and the
  save pipeline consult on every write
"""
from engine.runtime.permissions.access import Access, access_for
from engine.runtime.permissions.policy import PermissionPolicy
from engine.runtime.permissions.reads import RecordReader, visible_form_names
from engine.runtime.permissions.scope import ScopeCompiler, record_in_scope

__all__ = ["Access", "access_for", "PermissionPolicy", "RecordReader", "ScopeCompiler",
           "record_in_scope", "visible_form_names"]
