"""Draw a state machine: Mermaid flowcharts, and Graphviz DOT for SVG/PNG when `dot` exists.

One graph model is built from the ASL definition (states, transitions, Catch edges, Parallel
branches and Map iterators as clusters) and rendered twice, so both pictures always agree.
Given an execution's history, the states it entered and the transitions it took are
highlighted, and the state where it failed is marked.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


class GraphError(RuntimeError):
    """The definition cannot be drawn, or Graphviz is missing or failed."""


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    type: str  # an ASL state type, or "start" / "end" / "join"
    cluster: str | None


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str = ""
    kind: str = "next"  # next, choice, default, catch, branch


@dataclass(frozen=True)
class Cluster:
    id: str
    label: str
    parent: str | None


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    by_name: dict[str, str] = field(default_factory=dict)  # state name -> node id (first seen)

    def node(self, name: str, type_: str, cluster: str | None) -> str:
        node_id = f"n{len(self.nodes)}"
        self.nodes.append(Node(node_id, name, type_, cluster))
        if type_ not in ("start", "end", "join"):
            self.by_name.setdefault(name, node_id)
        return node_id

    @property
    def start(self) -> str:
        return self.nodes[0].id

    @property
    def end(self) -> str:
        return self.nodes[1].id


def build_graph(definition: dict[str, Any]) -> Graph:
    """The graph of a whole definition, with a start and an end node."""
    if not isinstance(definition, dict) or "States" not in definition or "StartAt" not in definition:
        raise GraphError("not a state machine definition: expected an object with StartAt and States")
    graph = Graph()
    start = graph.node("start", "start", None)
    end = graph.node("end", "end", None)
    first, exits = _add_scope(graph, definition, None)
    graph.edges.append(Edge(start, first))
    for exit_id in exits:
        graph.edges.append(Edge(exit_id, end))
    return graph


def _add_scope(graph: Graph, scope: dict[str, Any], cluster: str | None) -> tuple[str, list[str]]:
    """Add the states of one scope; return (entry node, nodes that leave the scope)."""
    states: dict[str, Any] = scope.get("States") or {}
    ids: dict[str, str] = {}
    entries: dict[str, str] = {}  # state name -> node edges should point to
    outs: dict[str, str] = {}  # state name -> node its transitions leave from
    for name, state in states.items():
        state_type = str(state.get("Type", "?")) if isinstance(state, dict) else "?"
        node_id = graph.node(name, state_type, cluster)
        ids[name] = entries[name] = outs[name] = node_id
        if state_type in ("Parallel", "Map") and isinstance(state, dict):
            outs[name] = _add_branches(graph, name, state, node_id, cluster)
    exits: list[str] = []
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        source = outs[name]

        def link(target: Any, label: str = "", kind: str = "next", source: str = source) -> None:
            if isinstance(target, str) and target in entries:
                graph.edges.append(Edge(source, entries[target], label, kind))

        kind_of_state = state.get("Type")
        if kind_of_state == "Choice":
            rules = [rule for rule in state.get("Choices") or [] if isinstance(rule, dict)]
            python = _python_conditions(state, rules)
            for index, rule in enumerate(rules):
                link(rule.get("Next"), python.get(index) or _choice_label(rule, index), "choice")
            link(state.get("Default"), "else", "default")
        else:
            link(state.get("Next"))
        for catcher in state.get("Catch") or []:
            if isinstance(catcher, dict):
                link(catcher.get("Next"), "catch " + ", ".join(catcher.get("ErrorEquals") or []), "catch")
        if state.get("End") is True or kind_of_state in ("Succeed", "Fail"):
            exits.append(source)
    start_at = scope.get("StartAt")
    if start_at not in entries:
        raise GraphError(f"StartAt {start_at!r} names no state in this scope")
    return entries[str(start_at)], exits


def _add_branches(graph: Graph, name: str, state: dict[str, Any], node_id: str, cluster: str | None) -> str:
    join = graph.node(f"{name} (join)", "join", cluster)
    if state["Type"] == "Parallel":
        scopes = [(f"{name}: branch {i + 1}", b) for i, b in enumerate(state.get("Branches") or [])]
        edge_label = "branch"
    else:
        processor = state.get("ItemProcessor") or state.get("Iterator") or {}
        scopes = [(f"{name}: each item", processor)]
        edge_label = "each item"
    for label, scope in scopes:
        if not isinstance(scope, dict):
            continue
        cluster_id = f"c{len(graph.clusters)}"
        graph.clusters.append(Cluster(cluster_id, label, cluster))
        entry, exits = _add_scope(graph, scope, cluster_id)
        graph.edges.append(Edge(node_id, entry, edge_label, "branch"))
        for exit_id in exits:
            graph.edges.append(Edge(exit_id, join, "", "branch"))
    return join


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _choice_label(rule: dict[str, Any], index: int) -> str:
    condition = rule.get("Condition")
    if isinstance(condition, str):
        text = condition.removeprefix("{%").removesuffix("%}").strip()
        return "else" if text == "true" else _shorten(text)
    variable = rule.get("Variable")
    return f"rule {index + 1}" + (f" on {variable}" if isinstance(variable, str) else "")


_SOURCE_CONDITION = re.compile(r"^[^:\n]+:\d+: (?:if|elif|while) (.+):$")


def _python_conditions(state: dict[str, Any], rules: list[dict[str, Any]]) -> dict[int, str]:
    """Rule index -> the Python condition it tests, from the source lines the compiler records
    in the state's Comment; empty when they cannot be matched one to one.

    The compiler may test a condition or its negation (`$not(...)`); the label says which.
    """
    comment = state.get("Comment")
    if not isinstance(comment, str):
        return {}
    sources = [m.group(1).strip() for m in map(_SOURCE_CONDITION.match, comment.splitlines()) if m]
    tested = [
        (index, rule["Condition"].removeprefix("{%").removesuffix("%}").strip())
        for index, rule in enumerate(rules)
        if isinstance(rule.get("Condition"), str)
    ]
    tested = [(index, text) for index, text in tested if text != "true"]
    if not sources or len(sources) != len(tested):
        return {}
    labels = {}
    for (index, text), python in zip(tested, sources, strict=True):
        asl_negated = _is_negation(text)
        python_negated = python.startswith("not ")
        if asl_negated == python_negated:
            label = python
        elif python_negated:
            label = python.removeprefix("not ").strip()
        else:
            label = f"not ({python})" if " " in python else f"not {python}"
        labels[index] = _shorten(label)
    return labels


def _is_negation(jsonata: str) -> bool:
    """Whether the whole expression is `$not(...)` (not merely starts with one)."""
    if not jsonata.startswith("$not("):
        return False
    depth, quote = 0, ""
    for position, char in enumerate(jsonata):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return position == len(jsonata) - 1
    return False


# -- executions --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExecutionPath:
    states: list[str]  # state names in the order they were entered
    failed_state: str | None  # the state whose failure ended the execution, if any
    status: str  # SUCCEEDED, FAILED, RUNNING, ...
    attempts: list[int] = field(default_factory=list)  # per entry of `states`: task attempts (0: no task)

    def labels(self) -> list[str]:
        """The states entered, a retried task with its attempts: `BookFlight (x4, 3 retries)`."""
        labels = []
        for index, name in enumerate(self.states):
            count = self.attempts[index] if index < len(self.attempts) else 0
            if count > 1:
                name += f" (x{count}, {count - 1} {'retry' if count == 2 else 'retries'})"
            labels.append(name)
        return labels


# A Task state's attempt starts with one of these (Lambda, an integration, an activity).
_ATTEMPT_EVENTS = frozenset({"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"})


def path_from_history(events: Iterable[dict[str, Any]]) -> ExecutionPath:
    """The states an execution entered (oldest first), from get_execution_history events."""
    entered: list[str] = []
    attempts: list[int] = []
    failed_state: str | None = None
    status = "RUNNING"
    open_state: str | None = None
    open_entries: dict[str, int] = {}  # state name -> its entry in `entered`, while inside it
    for event in events:
        event_type = str(event.get("type", ""))
        if event_type.endswith("StateEntered"):
            open_state = str(event.get("stateEnteredEventDetails", {}).get("name"))
            entered.append(open_state)
            attempts.append(0)
            open_entries[open_state] = len(entered) - 1
        elif event_type.endswith("StateExited"):
            open_entries.pop(str(event.get("stateExitedEventDetails", {}).get("name")), None)
            open_state = None
        elif event_type in _ATTEMPT_EVENTS and open_entries:
            attempts[max(open_entries.values())] += 1  # the latest state still open
        elif event_type == "ExecutionSucceeded":
            status = "SUCCEEDED"
        elif event_type in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
            status = {"ExecutionFailed": "FAILED", "ExecutionTimedOut": "TIMED_OUT"}.get(
                event_type, "ABORTED"
            )
            failed_state = open_state or (entered[-1] if entered else None)
    return ExecutionPath(entered, failed_state, status, attempts)


def _visited_nodes(graph: Graph, path: ExecutionPath) -> set[str]:
    visited = {graph.by_name[name] for name in path.states if name in graph.by_name}
    if visited:
        visited.add(graph.start)
    if path.status == "SUCCEEDED":
        visited.add(graph.end)
    # A join was passed when the state after its Parallel/Map was entered.
    for edge in graph.edges:
        if edge.src.startswith("n") and _node(graph, edge.src).type == "join" and edge.dst in visited:
            visited.add(edge.src)
    return visited


def _node(graph: Graph, node_id: str) -> Node:
    return graph.nodes[int(node_id[1:])]


def _visited_edges(graph: Graph, path: ExecutionPath) -> set[int]:
    """Indexes of the edges the execution took.

    At the top level an edge counts when its two states were entered one after the other;
    inside Parallel branches and Map iterations, entries interleave, so an edge between two
    entered states counts. Edges into and out of joins count when both ends were passed.
    """
    visited = _visited_nodes(graph, path)
    ids = [graph.start, *(graph.by_name[n] for n in path.states if n in graph.by_name)]
    if path.status == "SUCCEEDED":
        ids.append(graph.end)
    consecutive = set(itertools.pairwise(ids))
    taken: set[int] = set()
    for index, edge in enumerate(graph.edges):
        if edge.src not in visited or edge.dst not in visited:
            continue
        src, dst = _node(graph, edge.src), _node(graph, edge.dst)
        if (
            (edge.src, edge.dst) in consecutive
            or edge.kind == "branch"
            or src.cluster is not None
            or src.type == "join"
            or dst.type == "end"
        ):
            taken.add(index)
    return taken


# -- Mermaid ------------------------------------------------------------------------------

_MERMAID_SHAPES = {
    "start": ('(("', '"))'),
    "end": ('(("', '"))'),
    "join": ('(["', '"])'),
    "Choice": ('{"', '"}'),
    "Wait": ('[/"', '"/]'),
    "Fail": ('[["', '"]]'),
    "Succeed": ('(["', '"])'),
    "Parallel": ('[["', '"]]'),
    "Map": ('[["', '"]]'),
}


def _nesting(graph: Graph) -> tuple[dict[str | None, list[Node]], dict[str | None, list[Cluster]]]:
    """The nodes of each cluster and the child clusters of each cluster (None: the top level), in graph order."""
    by_cluster: dict[str | None, list[Node]] = {}
    for node in graph.nodes:
        by_cluster.setdefault(node.cluster, []).append(node)
    children: dict[str | None, list[Cluster]] = {}
    for cluster in graph.clusters:
        children.setdefault(cluster.parent, []).append(cluster)
    return by_cluster, children


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(graph: Graph, path: ExecutionPath | None = None) -> str:
    """A Mermaid `flowchart TD`; with a path, visited states/edges are highlighted."""
    lines = ["flowchart TD"]
    by_cluster, children = _nesting(graph)

    def emit(cluster_id: str | None, indent: str) -> None:
        for node in by_cluster.get(cluster_id, []):
            left, right = _MERMAID_SHAPES.get(node.type, ('["', '"]'))
            label = node.name if node.type in ("start", "end", "join") else f"{node.name}"
            lines.append(f"{indent}{node.id}{left}{_mermaid_text(label)}{right}")
        for cluster in children.get(cluster_id, []):
            lines.append(f'{indent}subgraph {cluster.id}["{_mermaid_text(cluster.label)}"]')
            emit(cluster.id, indent + "  ")
            lines.append(f"{indent}end")

    emit(None, "  ")
    for edge in graph.edges:
        arrow = "-.->" if edge.kind == "catch" else "-->"
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {edge.src} {arrow}{label} {edge.dst}")
    if path is not None:
        lines.extend(_mermaid_highlight(graph, path))
    return "\n".join(lines) + "\n"


def _mermaid_highlight(graph: Graph, path: ExecutionPath) -> list[str]:
    lines = [
        "  classDef visited fill:#d4f7d4,stroke:#2e7d32,stroke-width:2px",
        "  classDef failed fill:#fdd,stroke:#c62828,stroke-width:3px",
    ]
    visited = sorted(_visited_nodes(graph, path), key=lambda node_id: int(node_id[1:]))
    if visited:
        lines.append(f"  class {','.join(visited)} visited")
    if path.failed_state and path.failed_state in graph.by_name:
        lines.append(f"  class {graph.by_name[path.failed_state]} failed")
    edges = sorted(_visited_edges(graph, path))
    if edges:
        lines.append(f"  linkStyle {','.join(map(str, edges))} stroke:#2e7d32,stroke-width:3px")
    return lines


# -- Graphviz -----------------------------------------------------------------------------

_DOT_SHAPES = {
    "start": "circle",
    "end": "doublecircle",
    "join": "point",
    "Choice": "diamond",
    "Wait": "parallelogram",
    "Fail": "octagon",
    "Succeed": "oval",
}


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(graph: Graph, path: ExecutionPath | None = None) -> str:
    """Graphviz DOT with the same content and highlighting as `to_mermaid`."""
    visited: set[str] = set()
    failed: str | None = None
    edges_taken: set[int] = set()
    if path is not None:
        visited = _visited_nodes(graph, path)
        failed = graph.by_name.get(path.failed_state) if path.failed_state else None
        edges_taken = _visited_edges(graph, path)
    lines = [
        "digraph StateMachine {",
        '  node [fontname="Helvetica", shape=box, style="rounded,filled", fillcolor=white];',
    ]
    lines.append('  edge [fontname="Helvetica", fontsize=10];')
    by_cluster, children = _nesting(graph)

    def emit(cluster_id: str | None, indent: str) -> None:
        for node in by_cluster.get(cluster_id, []):
            attrs = [f'label="{_dot_text(node.name if node.type != "join" else "")}"']
            attrs.append(f"shape={_DOT_SHAPES.get(node.type, 'box')}")
            if node.id == failed:
                attrs.append('fillcolor="#ffdddd", color="#c62828", penwidth=3')
            elif node.id in visited:
                attrs.append('fillcolor="#d4f7d4", color="#2e7d32", penwidth=2')
            lines.append(f"{indent}{node.id} [{', '.join(attrs)}];")
        for cluster in children.get(cluster_id, []):
            lines.append(f"{indent}subgraph cluster_{cluster.id} {{")
            lines.append(f'{indent}  label="{_dot_text(cluster.label)}"; style=dashed;')
            emit(cluster.id, indent + "  ")
            lines.append(f"{indent}}}")

    emit(None, "  ")
    for index, edge in enumerate(graph.edges):
        attrs = [f'label="{_dot_text(edge.label)}"'] if edge.label else []
        if edge.kind == "catch":
            attrs.append("style=dashed")
        if index in edges_taken:
            attrs.append('color="#2e7d32", penwidth=3')
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {edge.src} -> {edge.dst}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


def render_dot(dot_source: str, fmt: str) -> bytes:
    """Run Graphviz `dot -T<fmt>`; GraphError says how to install it when it is missing."""
    if fmt not in ("svg", "png"):
        raise GraphError(f"unsupported image format {fmt!r}: use svg or png (or mermaid / dot for text)")
    executable = shutil.which("dot")
    if executable is None:
        raise GraphError(
            "Graphviz 'dot' is not installed, so SVG/PNG cannot be drawn: install graphviz "
            "(apt-get install graphviz, brew install graphviz) or use --format mermaid"
        )
    completed = subprocess.run(
        [executable, f"-T{fmt}"], input=dot_source.encode("utf-8"), capture_output=True, check=False
    )
    if completed.returncode != 0:
        raise GraphError(f"dot failed: {completed.stderr.decode('utf-8', 'replace').strip()}")
    return completed.stdout


def render(
    definition: dict[str, Any], fmt: str = "mermaid", history: Sequence[dict[str, Any]] | None = None
) -> bytes:
    """The picture of `definition` in `fmt` (mermaid, dot, svg, png), highlighting `history`."""
    graph = build_graph(definition)
    path = path_from_history(history) if history is not None else None
    if fmt == "mermaid":
        return to_mermaid(graph, path).encode("utf-8")
    if fmt == "dot":
        return to_dot(graph, path).encode("utf-8")
    return render_dot(to_dot(graph, path), fmt)
