"""The rules a definition's graph must follow, on plain data: the one home of those checks.

``workflow.definition._check_structure`` runs them on the stored states and transitions; the
designer runs them on a graph being edited (nothing stored).  Each problem is returned with the
sentence a business user reads and the states / transitions to point at.
"""

from collections import defaultdict

from odoo import _

MAX_APPROVAL_LEVELS = 10
# a definition is a process a person designs: beyond this it is a mistake (or an attack)
MAX_STATES = 1000
MAX_TRANSITIONS = 5000


def _strongly_connected(start, graph):
    """Strongly connected components of the states reachable from ``start`` (iterative Tarjan).

    Returns ``(component, members)``: the component index of each state and the states of each
    component, components listed in reverse topological order (a component after all those it
    leads to).
    """
    index, low, component, members = {}, {}, {}, []
    stack, on_stack = [], set()
    counter = 0

    def visit(node):
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        return (node, iter(graph[node]))

    work = [visit(start)]
    while work:
        node, successors = work[-1]
        for nxt in successors:
            if nxt not in index:
                work.append(visit(nxt))
                break
            if nxt in on_stack and index[nxt] < low[node]:
                low[node] = index[nxt]
        else:
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = len(members)
                    group.append(member)
                    if member == node:
                        break
                members.append(group)
    return component, members


def approval_path(start, graph, approval):
    """The approval states (ids in ``approval``) of the path from ``start`` in ``graph``
    (``{state: set(next states)}``, a defaultdict) that passes through the most of them, each
    loop's approval states counted once.  Linear time: states that reach one another form one
    group (iterative Tarjan), the longest path is summed over the groups, sinks first."""
    component, members = _strongly_connected(start, graph)
    best = [0] * len(members)
    follow = [None] * len(members)
    # Tarjan lists a group after every group reachable from it: successors are known
    for index, nodes in enumerate(members):
        weight = sum(1 for node in nodes if node in approval)
        after, chosen = 0, None
        for node in nodes:
            for nxt in graph[node]:
                other = component[nxt]
                if other != index and best[other] > after:
                    after, chosen = best[other], other
        best[index] = weight + after
        follow[index] = chosen
    path, index = [], component[start]
    while index is not None:
        path.extend(node for node in members[index] if node in approval)
        index = follow[index]
    return path


def approval_levels(start, graph, approval):
    """Most approval states (ids in ``approval``) on a path from ``start`` in ``graph``."""
    return len(approval_path(start, graph, approval))


def graph_problems(name, states, transitions, first_only=True):
    """The problems of a definition's graph, as ``[(sentence, state keys, transition keys)]``.

    ``states``: ``[{"key", "name", "state_type"}]``; ``transitions``: ``[{"key", "name", "from",
    "to"}]`` (``from``/``to``: state keys).  Keys are whatever identifies the items for the caller
    (record ids, the designer's keys).  ``first_only``: stop at the first problem, as a save does.
    """
    problems = []

    def found(message, state_keys=(), transition_keys=()):
        problems.append((message, list(state_keys), list(transition_keys)))
        return first_only

    if not states:
        found(_("Workflow %s has no states.", name))
        return problems
    if len(states) > MAX_STATES:
        found(
            _(
                "Workflow %(name)s has %(count)s states; a workflow has at most %(max)s states.",
                name=name,
                count=len(states),
                max=MAX_STATES,
            )
        )
        return problems
    if len(transitions) > MAX_TRANSITIONS:
        found(
            _(
                "Workflow %(name)s has %(count)s transitions; a workflow has at most %(max)s.",
                name=name,
                count=len(transitions),
                max=MAX_TRANSITIONS,
            )
        )
        return problems
    by_key = {state["key"]: state for state in states}
    initial = [state for state in states if state["state_type"] == "start"]
    if len(initial) != 1 and found(
        _(
            "Workflow %(name)s must have exactly one initial state (it has %(count)s).",
            name=name,
            count=len(initial),
        ),
        [state["key"] for state in initial],
    ):
        return problems
    if not any(state["state_type"] == "end" for state in states) and found(
        _("Workflow %s needs at least one final state.", name)
    ):
        return problems
    for tr in transitions:
        source = by_key.get(tr["from"])
        if source and source["state_type"] == "end":
            if found(
                _(
                    "Transition %(tr)s leaves the final state %(state)s; nothing may leave a final state.",
                    tr=tr["name"],
                    state=source["name"],
                ),
                [source["key"]],
                [tr["key"]],
            ):
                return problems
    if len(initial) != 1:
        return problems
    start = initial[0]["key"]
    graph = defaultdict(set)
    for tr in transitions:
        graph[tr["from"]].add(tr["to"])
    seen, todo = set(), [start]
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo.extend(graph[key] - seen)
    unreachable = [state for state in states if state["key"] not in seen]
    if unreachable:
        names = [state["name"] for state in unreachable[:20]]
        if len(unreachable) > 20:
            names.append(_("and %s more", len(unreachable) - 20))
        if found(
            _(
                "These states of workflow %(name)s cannot be reached from %(initial)s: %(states)s.",
                name=name,
                initial=initial[0]["name"],
                states=", ".join(names),
            ),
            [state["key"] for state in unreachable],
        ):
            return problems
    approval = {state["key"] for state in states if state["state_type"] == "approval"}
    path = approval_path(start, graph, approval)
    if len(path) > MAX_APPROVAL_LEVELS:
        found(
            _(
                "Workflow %(name)s has a path through %(levels)s approval states; at most %(max)s are allowed.",
                name=name,
                levels=len(path),
                max=MAX_APPROVAL_LEVELS,
            ),
            path,
        )
    return problems
