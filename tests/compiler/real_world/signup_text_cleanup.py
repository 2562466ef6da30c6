"""Sign-up cleanup: string methods, slices, validation helpers, format()."""

import logging
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

log = logging.getLogger(__name__)


def is_valid_phone(phone: str) -> bool:
    digits = phone.replace(" ", "").replace("-", "")
    return digits.startswith("+") and digits[1:].isdigit() and len(digits) >= 8


def initials(name: str) -> str:
    return "".join(part[0].upper() for part in name.split())


@activity(name="HbSendWelcome")
def send_welcome(msg: dict[str, Any]) -> str:
    return f"sent to {msg['to']}"


@orchestrator(name="HbSignupText")
async def signup_text(context: OrchestrationContext) -> JsonValue:
    form = context.get_input()
    name = form["name"].strip().title()
    email = form["email"].strip().lower()
    parts = email.split("@")
    user = parts[0]
    domain = parts[1] if len(parts) == 2 else ""
    phone = form.get("phone", "")
    problems = []
    if not domain or "." not in domain:
        problems.append("email")
    if phone and not is_valid_phone(phone):
        problems.append("phone")
    if problems:
        log.warning("rejected sign-up for %s: %s", name, ", ".join(problems))
        return {"ok": False, "problems": problems}
    handle = f"{initials(name).lower()}.{user[:3]}"
    greeting = "Hello {name}, welcome to {team}!".format(
        name=name.split()[0], team=form.get("team", "ACME").upper()
    )
    sent = await context.call_activity(send_welcome, {"to": email, "text": greeting})
    return {
        "ok": True,
        "handle": handle,
        "greeting": greeting,
        "sent": sent,
        "masked": email[:2] + "***" + email[-4:],
        "words": len(name.split()),
    }


ORCHESTRATOR = signup_text
CONCURRENT = False
INPUTS = [
    {"name": "  ada   lovelace ", "email": " Ada@Example.COM ", "phone": "+44 20-7946-0958"},
    {"name": "bob", "email": "bob-at-nowhere", "phone": "12"},
    {"name": "Cy Young Jr", "email": "cy@x.io", "team": "ops"},
]
