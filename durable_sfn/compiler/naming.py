"""Readable, unique state names, from the labels the frontend takes from the source
(`frontend/source_labels`) and the backend puts on each state.

A name reads like its source line (`If not validation.IsValid`, `Return Success, OrderId`): no
stray quotes, balanced brackets, whole words when shortened, `(2)` for a repeated name.
"""

from __future__ import annotations

import re

from durable_sfn.compiler.backend.states import Graph

# `x["key"]` reads as `x.key`; other string literals lose their quotes; characters that read
# as JSONata or JSON syntax in a name are dropped.
_KEY = re.compile(r"""\[\s*(["'])([^"'\[\]]*)\1\s*\]""")
_STRING = re.compile(r"""(?<!\w)[fFrRbBuU]{0,2}(["'])([^"']*)\1""")
_DROP = re.compile(r"""["'\[\]{}$\\`:\x00-\x1f\x7f-\x9f]""")
_DANGLING = frozenset({"and", "or", "not", "if", "else", "in", "for", "is"})
MAX_NAME = 56


def clean_name(text: str) -> str:
    """A readable state name from source text: no quotes, balanced brackets, whole words."""
    text = _KEY.sub(r".\2", text.replace("\n", " "))
    text = _STRING.sub(r"\2", text)
    text = _DROP.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip().rstrip(":")
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+([,)])", r"\1", text))
    if len(text) > MAX_NAME:
        text = _trim(text[: MAX_NAME + 1].rsplit(" ", 1)[0])
    return text or "State"


def _trim(text: str) -> str:
    """Cut a truncated name back to before its first unclosed `(` and drop a dangling operator."""
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            opened.append(i)
        elif ch == ")" and opened:
            opened.pop()
    if opened:
        cut = opened[0]
        text = text[:cut].rsplit(" ", 1)[0] if " " in text[:cut] else text[:cut]
    while True:
        text = text.rstrip(",.( +-*/%=<>!")
        words = text.rsplit(" ", 1)
        if len(words) == 2 and words[1] in _DANGLING:
            text = words[0]
            continue
        return text


def assign_names(root: Graph) -> dict[str, str]:
    """Readable names in execution order, unique across the whole definition (`Name`, `Name 2`)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    tried: dict[str, int] = {}  # base name -> the last suffix tried (all below it are taken)

    def visit(g: Graph) -> None:
        order: list[str] = []
        seen: set[str] = set()
        stack = [g.start]
        while stack:
            sid = stack.pop()
            if sid in seen:
                continue
            seen.add(sid)
            order.append(sid)
            stack.extend(reversed(list(g.states[sid].successors())))
        rest = [sid for sid in g.states if sid not in seen]
        for sid in order + rest:
            s = g.states[sid]
            base = clean_name(s.name)
            n = tried.get(base, 1)
            name = base if n == 1 else f"{base} ({n})"
            while name in used:
                n += 1
                name = f"{base} ({n})"
            tried[base] = n
            used.add(name)
            names[sid] = name
            if s.processor is not None:
                visit(s.processor)
            for b in s.branches:
                visit(b)
        # Emit states in execution order for readable output.
        g.states = {sid: g.states[sid] for sid in order + rest}

    visit(root)
    return names
