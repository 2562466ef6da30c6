"""Amazon States Language definitions: validation with AWS's diagnostic codes, placeholders.

Used by the local engine (whose create_state_machine and validate_state_machine_definition
reject what AWS would reject, and whose intrinsic functions share `intrinsics.py`'s grammar), by
the local runtime and tests to fill `${Name}` placeholders, and by the test suite to check every
compiled definition. It imports nothing of ours above it: the compiler and the engine build on it.
"""

from durable_sfn.asl.diagnostics import AslDiagnostic, InvalidDefinitionError
from durable_sfn.asl.external import AslValidatorResult, AslValidatorUnavailable, run_asl_validator
from durable_sfn.asl.placeholders import UnknownPlaceholderError, find_placeholders, substitute_placeholders
from durable_sfn.asl.validate import ensure_valid, parse_definition, validate_definition

__all__ = [
    "AslDiagnostic",
    "AslValidatorResult",
    "AslValidatorUnavailable",
    "InvalidDefinitionError",
    "UnknownPlaceholderError",
    "ensure_valid",
    "find_placeholders",
    "parse_definition",
    "run_asl_validator",
    "substitute_placeholders",
    "validate_definition",
]
