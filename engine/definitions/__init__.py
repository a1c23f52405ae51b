"""App definitions: load (file or folder), validate (schema + semantic checks), compile."""
from engine.definitions.errors import DefinitionError, errors_only, has_errors, warnings_only
from engine.definitions.loader import DefinitionLoadError, load_definition
from engine.definitions.model import AppModel, compile_app
from engine.definitions.validate import validate_definition

__all__ = [
    "AppModel", "DefinitionError", "DefinitionLoadError", "compile_app", "errors_only",
    "has_errors", "load_definition", "validate_definition", "warnings_only",
]
