"""Amazon States Language definitions: validation with AWS's diagnostic codes, placeholders.

Shared by the compiler (which validates what it emits) and the local engine (whose
create_state_machine and validate_state_machine_definition reject what AWS would reject).
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
