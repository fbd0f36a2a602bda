"""Settings read from the environment (prefix CCN_), one object per process."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "ccn-local-development-secret-change-me"


class Settings(BaseSettings):
    """Everything a service process needs; `create_app(settings)` reads it, imports never do."""

    model_config = SettingsConfigDict(env_prefix="CCN_", extra="ignore")

    service: str = "platform"
    environment: str = Field("local", description="local | test | production")
    database_url: str = Field(
        "", description="SQLAlchemy async URL; empty means SQLite in var/<service>.db"
    )
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_client_id: str = ""

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_jwks_url: str = ""
    jwt_issuer: str = ""
    jwt_audience: str = ""

    outbox_batch_size: int = Field(500, ge=1, le=10_000)
    outbox_poll_interval_s: float = Field(0.5, gt=0)
    outbox_stall_after_s: float = Field(
        3.0, gt=0, description="report a broker that has not taken a batch for this long"
    )
    outbox_transaction_timeout_s: float = Field(
        30.0,
        gt=0,
        description="give up a Kafka transaction that has not ended in this long, with its "
        "producer: the next producer fences it and recovers what it committed",
    )
    consumer_max_attempts: int = Field(5, ge=1)
    consumer_backoff_initial_s: float = Field(0.2, gt=0)
    consumer_backoff_max_s: float = Field(10.0, gt=0)
    consumer_max_poll_records: int = Field(200, ge=1)
    rebuild_max_poll_records: int = Field(
        2000,
        ge=1,
        description="records a rebuild's consumers apply in one transaction: it reads the "
        "topics from their start, so big batches spread the cost of each transaction and "
        "offset commit",
    )
    rebuild_workers: int = Field(
        2,
        ge=1,
        le=32,
        description="processes a rebuild reads the topics with, its own and helpers it splits "
        "the partitions with, about as many events each (PostgreSQL only; on SQLite, one); more "
        "than the machine's cores or the topics' partitions gains nothing",
    )
    instance_id: str = Field(
        "",
        max_length=100,
        description="this process's name among the service's replicas, kept across restarts "
        "(say, the host's): a restarted process takes its consumers' partitions straight back "
        "instead of after the session timeout; empty: consumers join as new members",
    )

    run_relay: bool = Field(True, description="publish the outbox from this process")
    run_consumers: bool = Field(True, description="consume other services' events here")
    migrate_on_start: bool = Field(True, description="apply migrations when the service starts")

    cluster_max_area_ha: Decimal = Field(Decimal(75), gt=0, description="Decree 32/2024: 75 ha")
    cluster_expansion_min_occupancy: Decimal = Field(
        Decimal("0.60"), ge=0, le=1, description="Decree 32/2024: 60 % leased before expanding"
    )

    remediation_days_serious: int = Field(30, ge=1, le=3650, description="exceedance ≥ 2×")
    remediation_days_exceedance: int = Field(90, ge=1, le=3650, description="exceedance < 2×")
    remediation_days_finding: int = Field(60, ge=1, le=3650, description="an inspector's finding")
    serious_pollution_ratio: Decimal = Field(
        Decimal(2), gt=1, description="a sample this many times its limit pollutes seriously"
    )
    pollution_repeat_inspections: int = Field(
        2, ge=1, description="inspections with exceedances that make a facility polluting"
    )
    pollution_window_months: int = Field(24, ge=1, le=120, description="...within this window")

    registry_url: str = Field("http://127.0.0.1:8001", description="where the console finds it")
    promotion_url: str = Field("http://127.0.0.1:8002", description="where the console finds it")
    environment_url: str = Field("http://127.0.0.1:8003", description="where the console finds it")
    reporting_url: str = Field("http://127.0.0.1:8004", description="where the console finds it")
    api_timeout_s: float = Field(30.0, gt=0, description="how long the console waits for an API")

    console_url: str = Field(
        "",
        description="the console's public base URL as officials' browsers reach it "
        "(https://ccn.example.gov.vn): the identity provider sends them back to "
        "<console_url>/dang-nhap/oidc, and after signing out to <console_url>/da-dang-xuat",
    )
    oidc_client_id: str = Field(
        "",
        description="the console's client at the identity provider (CCN_JWT_ISSUER); set, "
        "the console signs officials in through it with the authorization-code flow",
    )
    oidc_client_secret: SecretStr = Field(
        SecretStr(""),
        description="that client's secret, sent to the token endpoint; empty for a public "
        "client, which proves itself by PKCE alone",
    )
    oidc_scopes: str = Field(
        "openid profile",
        description="the scopes the console asks for, space-separated: openid, and those "
        "that put agency, roles and jurisdiction in the access token",
    )
    console_cookie_secret: SecretStr = Field(
        SecretStr(""),
        description="signs the short-lived cookie that carries a sign-in's state, nonce and "
        "PKCE verifier to the callback; empty: the OIDC client secret signs it (a public "
        "client must set this); the same on every replica",
    )

    log_level: str = "INFO"
    log_json: bool = True
    var_dir: Path = Path("var")

    def to_env(self) -> dict[str, str]:
        """These settings as the `CCN_` variables that give them to another process."""
        values: dict[str, str] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if isinstance(value, bool):
                value = str(value).lower()
            values[f"CCN_{name.upper()}"] = str(value)
        return values

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file of this service."""
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.var_dir / f'{self.service}.db').resolve()}"

    @property
    def uses_dev_secret(self) -> bool:
        return self.jwt_secret.get_secret_value() == DEV_JWT_SECRET
