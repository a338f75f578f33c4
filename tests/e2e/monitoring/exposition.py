"""Reading a Prometheus text exposition back into samples, for assertions."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, frozenset[tuple[str, str]]]


def samples(text: str) -> dict[Key, float]:
    """{(sample name, {label: value}): value} of every sample in ``text``."""
    found: dict[Key, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict[Key, float], name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


def families(text: str) -> dict[str, str]:
    """{family name: type}."""
    return {f.name: f.type for f in text_string_to_metric_families(text)}
