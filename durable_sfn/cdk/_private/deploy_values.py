"""The values an orchestrator reads from `os.environ`, filled in at synth (see
`durable_sfn.deploy_values`).

A value given as the construct's `deploy_values=` prop wins over the environment of `cdk synth`.
Plain strings are written into the definition here, with the escapes a JSONata string needs, so
the deployed text is exactly what the local engine runs with the same values. A CDK token (say
`table.table_name`) is unknown until deployment: it goes to CloudFormation's
DefinitionSubstitutions instead, which write it into the definition's JSON text. The text around
the token (`f"{bucket.bucket_name}/in"`) is escaped here for the JSONata string and the JSON
string it sits in; the token's own value CloudFormation writes in as it is, so a token must stand
for text that needs no escaping and holds no `${` (resource names, ARNs and URLs never do; a
CfnParameter's value is whatever the deployer types).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from aws_cdk import Token

from durable_sfn._aws import placeholder
from durable_sfn.asl.placeholders import find_placeholders, substitute_placeholders
from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.deploy_values import (
    OPTIONAL_PREFIX,
    SET_MARK,
    MissingDeployValueError,
    deploy_value_fills,
    deploy_value_placeholders,
    escaped,
)

# How CDK writes a string token into text (`Token.as_string`, an attribute, an f-string).
_TOKEN_TEXT = re.compile(r"\$\{Token\[[^\]]*\]\}")


def _substitution_text(value: str) -> str:
    """`value` as DefinitionSubstitutions writes it into the definition's JSON text, where the
    placeholder sits inside a JSONata string inside a JSON string: its literal text escaped for
    both, its tokens left as they are."""

    def both(text: str) -> str:
        return escaped(escaped(text))

    out: list[str] = []
    end = 0
    for token in _TOKEN_TEXT.finditer(value):
        out.append(both(value[end : token.start()]))
        out.append(token.group(0))
        end = token.end()
    out.append(both(value[end:]))
    return "".join(out)


def fill(
    definition: dict[str, Any], given: Mapping[str, str] | None, *, machine: str, construct: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """(the definition with plain values written in, the substitutions CloudFormation fills)."""
    names = deploy_value_placeholders(definition)
    if not names:
        return definition, {}
    values: dict[str, str] = {**os.environ, **(given or {})}
    tokens = {name for name, value in values.items() if Token.is_unresolved(value)}
    where = f"in the environment of `cdk synth`, or pass deploy_values={{...}} to Orchestration {construct!r}"
    try:
        # A token's text is not its value: it only has to be there (filled below, by CloudFormation).
        fills = deploy_value_fills(
            definition, {k: "" if k in tokens else v for k, v in values.items()}, machine=machine, where=where
        )
    except MissingDeployValueError as missing:
        raise OrchestrationConfigError(str(missing)) from None
    plain: dict[str, str] = {}
    deferred: dict[str, str] = {}
    for name in names:
        variable = name.rsplit(".", 1)[1]
        if variable in tokens:
            mark = SET_MARK if name.startswith(OPTIONAL_PREFIX) else ""
            deferred[name] = _substitution_text(mark + values[variable])
        else:
            plain[name] = fills[name]
    # Only plain values are written in here: every other placeholder stays for CloudFormation.
    keep = {n: placeholder(n) for n in find_placeholders(definition) - plain.keys()}
    return substitute_placeholders(definition, {**keep, **plain}), deferred
