"""Notifications through a dict of channel activities and a list of fallbacks; a missing
channel is a KeyError caught around the call, an activity error a ValueError."""

import logging

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

log = logging.getLogger(__name__)


@activity(name="HbEmail")
def send_email(m: dict[str, str]) -> str:
    return f"email:{m['to']}"


@activity(name="HbSms")
def send_sms(m: dict[str, str]) -> str:
    if not m["to"].startswith("+"):
        raise ValueError(f"bad number {m['to']}")
    return f"sms:{m['to']}"


@activity(name="HbPush")
def send_push(m: dict[str, str]) -> str:
    return f"push:{m['to']}"


CHANNELS = {"email": send_email, "sms": send_sms, "push": send_push}
FALLBACK_ORDER = [send_push, send_email]


@orchestrator(name="HbDispatch")
async def dispatch(ctx: OrchestrationContext) -> JsonValue:
    req = ctx.get_input()
    sent = []
    for m in req["messages"]:
        try:
            sent.append(await ctx.call_activity(CHANNELS[m["channel"]], m))
        except KeyError:
            log.warning("unknown channel %s", m["channel"])
            sent.append(await ctx.call_activity(FALLBACK_ORDER[req.get("fallback", 0)], m))
        except ValueError as e:
            sent.append(f"error: {e}")
    return {"sent": sent, "channels": len(CHANNELS), "has_fax": "fax" in CHANNELS}


ORCHESTRATOR = dispatch
CONCURRENT = False
INPUTS = [
    {
        "messages": [
            {"channel": "email", "to": "a@x"},
            {"channel": "sms", "to": "123"},
            {"channel": "fax", "to": "9"},
        ]
    },
    {"messages": [{"channel": "fax", "to": "9"}], "fallback": 1},
    {"messages": []},
]
