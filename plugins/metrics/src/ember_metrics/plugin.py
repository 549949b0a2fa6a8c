"""ember hooks of ember-metrics: registers every metric by name, importing none of them."""

from __future__ import annotations

from ember.plugins import Register, hookimpl
from ember_metrics.catalogue import entries


@hookimpl
def ember_register_metrics(register: Register) -> None:
    """Register each metric of the catalogue under its snake_case name, as a lazy factory."""
    for name, entry in entries().items():
        register(name, f"{entry.module}:{entry.cls}", summary=entry.summary)
