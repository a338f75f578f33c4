"""import-linter contract types of our own (declared in setup.cfg's ``[importlinter]``).

``edges_only``: every module of a package but its edges (the composition roots, the
pages) keeps off the edges and off the packages named outside, directly or through
others. The domain is everything that is not an edge, so a new domain package is guarded
the day it is written, without being named anywhere.

``acyclic_modules``: no module of the given packages imports itself through others.
Every import counts, also one written inside a function (grimp reads them all): hiding
an import there does not remove the dependency. Each cycle is reported as a strongly
connected component of the module graph, with one shortest loop through it and every
import line inside it.
"""
from __future__ import annotations

from collections.abc import Iterator

import grimp
from importlinter import Contract, ContractCheck, fields, output


def _components(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def imported(module: str) -> Iterator[str]:
        return iter(sorted(graph.find_modules_directly_imported_by(module) & modules))

    for root in sorted(modules):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, imported(root))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, imported(child)))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    members = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        members.append(member)
                        if member == node:
                            break
                    if len(members) > 1:
                        found.append(sorted(members))
    return sorted(found)


def _loop(graph: grimp.ImportGraph, members: list[str]) -> list[str]:
    """A shortest loop from the first module of a component back to itself."""
    first, best = members[0], None
    for module in sorted(graph.find_modules_directly_imported_by(first) & set(members)):
        chain = graph.find_shortest_chain(importer=module, imported=first)
        if chain and (best is None or len(chain) < len(best)):
            best = chain
    return [first, *(best or ())]


class AcyclicModulesContract(Contract):
    """No import cycle among the modules of ``packages`` (and their descendants)."""

    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        modules: set[str] = set()
        for package in self.packages:  # type: ignore[attr-defined]
            modules |= {package, *graph.find_descendants(package)}
        cycles = []
        for members in _components(graph, modules):
            lines = []
            for importer in members:
                for module in sorted(graph.find_modules_directly_imported_by(importer)
                                     & set(members)):
                    for detail in graph.get_import_details(importer=importer, imported=module):
                        lines.append(f"{importer}:{detail['line_number']}  "
                                     f"{detail['line_contents']}")
            cycles.append({"loop": _loop(graph, members), "lines": lines})
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(" -> ".join(cycle["loop"]))
            for line in cycle["lines"]:
                output.indent_cursor()
                output.print(line)
            output.new_line()


def _under(module: str, names: list[str]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in names)


class EdgesOnlyContract(Contract):
    """No module of ``container`` outside ``edges`` imports an edge or an ``outside``
    package, directly or through others."""

    type_name = "edges_only"

    container = fields.StringField()
    edges = fields.ListField(subfield=fields.StringField())
    outside = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        edges: list[str] = list(self.edges)  # type: ignore[attr-defined]
        container: str = self.container  # type: ignore[attr-defined]
        domain = {m for m in {container, *graph.find_descendants(container)}
                  if not _under(m, edges)}
        found = []
        for target in [*edges, *self.outside]:  # type: ignore[attr-defined]
            if target not in graph.modules:
                continue
            for module in sorted(graph.find_downstream_modules(target, as_package=True) & domain):
                chains = graph.find_shortest_chains(importer=module, imported=target)
                found.append({"module": module, "target": target,
                              "chain": list(min(chains, key=len)) if chains else [module, target]})
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["found"]:
            output.print_error(f"{item['module']} reaches {item['target']}:")
            output.indent_cursor()
            output.print(" -> ".join(item["chain"]))
            output.new_line()
