"""What every registry handler shares: the unit of work it runs in, with the registry's rules.

A command loads, locked, every record it touches (clusters before facilities, always, so two
commands never wait on each other in a circle), authorizes the caller for each, checks the
version it was sent, lets the entities apply the rules, saves them and records their events.
"""

from services.registry.domain import ClusterRules
from shared.commands import UnitOfWork

Uow = UnitOfWork[ClusterRules]
