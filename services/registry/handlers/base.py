"""What every registry handler shares: the unit of work it runs in, with the registry's rules.

A command loads, locked, every record it touches (clusters before facilities, always, so two
commands never wait on each other in a circle), authorizes the caller for each, checks the
version it was sent, lets the entities apply the rules, saves them and records their events.
"""

from services.registry.domain import ClusterRules
from shared.commands import UnitOfWork
from shared.principal import Place, province_place

Uow = UnitOfWork[ClusterRules]


def province(province_code: str) -> Place:
    """The province a path names (00: the whole country), or 422 naming `province_code`."""
    return province_place(province_code, nationwide=True)
