"""Definition diagnostics, shaped like AWS's ValidateStateMachineDefinition results.

Each diagnostic has AWS's severity, code and a `location` into the definition written the way
AWS writes it (`/States/Foo/Next`, `/States/P/Branches[0]/States/X`), so the same text can be
printed by the CLI, raised by the engine's create_state_machine as InvalidDefinition, or
returned by validate_state_machine_definition. Checks append to a `Collector`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DUPLICATE_STATE_NAME",
    "INVALID_JSONATA_EXPRESSION",
    "INVALID_JSON_DESCRIPTION",
    "INVALID_RESOURCE",
    "INVALID_STATE_NAME",
    "MISSING_DESCRIPTION",
    "MISSING_END_STATE",
    "MISSING_TRANSITION_TARGET",
    "SCHEMA_VALIDATION_FAILED",
    "AslDiagnostic",
    "Collector",
    "InvalidDefinitionError",
    "pointer",
]

INVALID_JSON_DESCRIPTION = "INVALID_JSON_DESCRIPTION"
INVALID_JSONATA_EXPRESSION = "INVALID_JSONATA_EXPRESSION"
MISSING_DESCRIPTION = "MISSING_DESCRIPTION"
SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
INVALID_RESOURCE = "INVALID_RESOURCE"
MISSING_END_STATE = "MISSING_END_STATE"
DUPLICATE_STATE_NAME = "DUPLICATE_STATE_NAME"
INVALID_STATE_NAME = "INVALID_STATE_NAME"
MISSING_TRANSITION_TARGET = "MISSING_TRANSITION_TARGET"

Severity = Literal["ERROR", "WARNING"]


@dataclass(frozen=True)
class AslDiagnostic:
    """One problem found in a definition; `location` is a path such as `/States/Foo/Next`."""

    code: str
    message: str
    location: str = ""
    severity: Severity = "ERROR"

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"{self.code}: {self.message}{where}"

    def to_aws(self) -> dict[str, str]:
        """The shape of a `diagnostics` entry of boto3's validate_state_machine_definition."""
        out = {"severity": self.severity, "code": self.code, "message": self.message}
        if self.location:
            out["location"] = self.location
        return out


class InvalidDefinitionError(ValueError):
    """A definition that AWS would reject; the message lists every error like AWS's InvalidDefinition."""

    def __init__(self, diagnostics: list[AslDiagnostic]) -> None:
        self.diagnostics = [d for d in diagnostics if d.severity == "ERROR"] or list(diagnostics)
        count = len(self.diagnostics)
        lines = "\n".join(f"  {d}" for d in self.diagnostics)
        super().__init__(
            f"Invalid State Machine Definition ({count} error{'s' if count != 1 else ''}):\n{lines}\n"
            "Fix the definition at the locations shown."
        )

    def aws_message(self) -> str:
        """The message AWS's CreateStateMachine puts in an InvalidDefinition error."""
        return "Invalid State Machine Definition: '" + ", ".join(str(d) for d in self.diagnostics) + "'"


def pointer(*parts: str | int) -> str:
    """A location the way AWS prints it: `/States/P/Branches[0]/States/X/Next`.

    Names are written as they are (AWS does not escape `/` in state names); array indexes
    attach to the field they index.
    """
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f"/{part}"
    return out


class Collector:
    """Accumulates diagnostics; every check appends instead of stopping at the first problem."""

    def __init__(self) -> None:
        self.items: list[AslDiagnostic] = []

    def error(self, code: str, message: str, *location: str | int) -> None:
        self.items.append(AslDiagnostic(code, message, pointer(*location)))

    def warning(self, code: str, message: str, *location: str | int) -> None:
        self.items.append(AslDiagnostic(code, message, pointer(*location), "WARNING"))

    def schema(self, message: str, *location: str | int) -> None:
        self.error(SCHEMA_VALIDATION_FAILED, message, *location)
