"""The base of every published event type: naming, topic and subject conventions."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """A fact that happened, past tense. Subclasses set the ClassVars below in their header:
    `class _ClusterEvent(Event, service="registry", aggregate="cluster", subject="cluster_id")`.

    Unknown fields are ignored on decode, so a consumer keeps working when a producer
    adds an optional field (the compatibility check allows only such changes).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    service: ClassVar[str]
    """Producing service: `registry`, `promotion`, `environment`."""
    aggregate: ClassVar[str]
    """Aggregate family; the topic is `ccn.<service>.<aggregate>`."""
    subject_field: ClassVar[str]
    """The field holding the aggregate id: the message key and `ce_subject`."""
    version: ClassVar[int] = 1
    event_name: ClassVar[str] = ""
    """Name in `ce_type`; defaults to the class name (a `V2` suffix is dropped)."""

    def __init_subclass__(
        cls,
        *,
        service: str | None = None,
        aggregate: str | None = None,
        subject: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        declared = {"service": service, "aggregate": aggregate, "subject_field": subject}
        for name, value in declared.items():
            if value is not None:
                setattr(cls, name, value)

    @classmethod
    def short_name(cls) -> str:
        if cls.event_name:
            return cls.event_name
        suffix = f"V{cls.version}"
        base = cls.__name__
        return base[: -len(suffix)] if cls.version > 1 and base.endswith(suffix) else base

    @classmethod
    def type_name(cls) -> str:
        return f"vn.ccn.{cls.service}.{cls.short_name()}.v{cls.version}"

    @classmethod
    def topic(cls) -> str:
        return f"ccn.{cls.service}.{cls.aggregate}"

    @classmethod
    def source(cls) -> str:
        return f"/ccn/{cls.service}"

    @property
    def aggregate_id(self) -> str:
        return str(getattr(self, self.subject_field))
