"""Every service's HTTP API fuzzed against its own OpenAPI document: schemathesis generates valid
and invalid requests, `ccn serve <service>` answers them over real HTTP, and every response must
be one the document promises (no 5xx; documented status codes, media types, headers, bodies)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services import SERVICES
from shared.auth import mint_token
from shared.events import Envelope, Event
from shared.events.registry import (
    EnterpriseKind,
    EnterpriseRegistered,
    FacilityLocation,
    FacilityRegistered,
)
from tests.e2e.conftest import ServedService
from tests.environment.factory import Environment
from tests.environment.factory import sample as env_sample
from tests.kafka_tools import produce_raw, wait_until
from tests.promotion.factory import Promotion
from tests.registry.factory import (
    CHIENG_AN,
    CHIENG_COI,
    SON_LA,
    TO_HIEU,
    Registry,
)

SEED = 20_261_124
EXAMPLES = 40
"""Requests per operation and generation mode: valid data, then data the document forbids."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    # A seed per operation and mode (see `fuzz`), no example database and no shrinking: the
    # same requests in the same order on every run, in a bounded time.
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    database=None,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    verbosity=hypothesis.Verbosity.quiet,
)
UNANSWERED_BEFORE_GIVING_UP = 3
REPO = Path(__file__).resolve().parents[2]


# -- real records, so that generated requests get past 404 to the handlers -------------------


@dataclass
class Known:
    """Values of real records by the name of the parameter or body field that carries them,
    and cursors of real list pages."""

    values: dict[str, list[str]] = field(default_factory=dict)
    cursors: list[str] = field(default_factory=list)


TAX_CODES = ["0100910027", "0100910034", "0100910041"]
"""Valid tax codes (check digit included), fixed so that every run sends the same requests:
two for the enterprises made below, one left for the fuzzer to register."""
AREAS = [
    "planned_area",
    "area",
    "industrial_land_area",
    "added_area",
    "added_industrial_land_area",
    "leased_area",
]
"""Fields in hectares, documented as any number or string though the API wants a positive
decimal of at most 12 digits: real values let more bodies through."""


async def registry_records(http: httpx.AsyncClient, token: str) -> Known:
    """Clusters in three stages of their lifecycle, a tenancy, enterprises and facilities."""
    # The factory's `app` serves in-process tests; over HTTP there is none.
    registry = Registry(http, cast(FastAPI, None), lambda **_: token)
    clusters = [
        await registry.planned_cluster(),
        await registry.established_cluster(name="Cụm công nghiệp Chiềng Sinh"),
        await registry.operating_cluster(name="Cụm công nghiệp Duyên Hải"),
    ]
    enterprises = [
        await registry.enterprise(tax_code=TAX_CODES[0]),
        await registry.enterprise(tax_code=TAX_CODES[1], name="HTX Mai Sơn"),
    ]
    facilities = [await registry.facility(e["id"]) for e in enterprises]
    tenancy = await registry.ok(
        "POST",
        f"/clusters/{clusters[2]['id']}/tenancies",
        {"facility_id": facilities[0]["id"], "leased_area_ha": "1.5", "start_date": "2012-03-01"},
        status=201,
    )
    pages = [
        await registry.ok("GET", f"/{listing}?limit=1")
        for listing in ("clusters", "enterprises", "facilities")
    ]
    return Known(
        values={
            "cluster_id": [c["id"] for c in clusters],
            "tenancy_id": [tenancy["id"]],
            "enterprise_id": [e["id"] for e in enterprises],
            "facility_id": [f["id"] for f in facilities],
            "province_code": [SON_LA],
            "commune_code": [TO_HIEU, CHIENG_AN, CHIENG_COI],
            "tax_code": TAX_CODES,
            **{f"{area}_ha": ["0.5", "12.5"] for area in AREAS},
        },
        cursors=[page["next_cursor"] for page in pages],
    )


FACILITY = FacilityRegistered(
    facility_id="5f0e7f5c-4a11-4d6e-9a55-0c1f2a7b9e01",
    enterprise_id="0c6b7d8e-2f3a-4b5c-8d9e-1a2b3c4d5e6f",
    province_code=SON_LA,
    commune_code=TO_HIEU,
    name="Cơ sở chế biến tinh bột sắn Tô Hiệu",
    address="Tổ 3, phường Tô Hiệu",
    sector="chế biến nông sản",
    workers=25,
    annual_output_vnd=4_500_000_000,
    location=FacilityLocation.RESIDENTIAL_AREA,
)
"""A facility as the registry publishes it, for the services that build on the registry."""


async def publish(bootstrap: str, *events: Event) -> None:
    """Put events on their topics as their producer would."""
    for event in events:
        envelope = Envelope.wrap(event)
        await produce_raw(
            bootstrap, event.topic(), (envelope.key, envelope.value(), envelope.headers())
        )


async def environment_records(http: httpx.AsyncClient, token: str, bootstrap: str) -> Known:
    """A facility published by the registry (through Kafka), inspected, measured and closed
    with a violation; the shipped limit tables."""
    facility = FACILITY
    await publish(bootstrap, facility)
    env = Environment(http, cast(FastAPI, None), lambda **_: token)
    body = {
        "facility_id": facility.facility_id,
        "scheduled_on": "2024-05-06",
        "kind": "periodic",
        "team": "Đoàn kiểm tra",
    }

    async def scheduled() -> bool:
        return (await env.post("/inspections", body)).status_code == 201

    assert await wait_until(scheduled, timeout_s=60), "the facility never reached the read model"
    inspection = (await env.ok("GET", "/inspections?limit=1"))["items"][0]
    await env.measured(inspection, env_sample("cod", "200"))
    await env.completed(inspection)
    violations = await env.ok("GET", "/violations?limit=1")
    pages = [await env.ok("GET", f"/{listing}?limit=1") for listing in ("limit-tables",)]
    return Known(
        values={
            "facility_id": [facility.facility_id],
            "inspection_id": [inspection["id"]],
            "violation_id": [v["id"] for v in violations["items"]],
            "limit_table_id": ["qcvn-40-2011-btnmt", "qcvn-40-2025-btnmt"],
            "province_code": [SON_LA],
            "parameter": ["cod", "ph", "tss"],
            "column": ["A", "B"],
        },
        cursors=[page["next_cursor"] for page in pages if page["next_cursor"]],
    )


async def promotion_records(http: httpx.AsyncClient, token: str, bootstrap: str) -> Known:
    """A beneficiary published by the registry (through Kafka), a plan, and a project taken
    as far as its contract; the shipped support caps."""
    owner = EnterpriseRegistered(
        enterprise_id=FACILITY.enterprise_id,
        name="Hợp tác xã Tô Hiệu",
        tax_code=TAX_CODES[2],
        kind=EnterpriseKind.COOPERATIVE,
        province_code=SON_LA,
    )
    await publish(bootstrap, owner, FACILITY)
    promotion = Promotion(http, cast(FastAPI, None), lambda **_: token)
    plan = await promotion.ok(
        "POST",
        "/plans",
        {
            "province_code": SON_LA,
            "year": 2019,
            "funding_source": "local",
            "budget_vnd": 1_000_000_000,
        },
        status=201,
    )
    body = {
        "name": "Hỗ trợ máy sao chè",
        "province_code": SON_LA,
        "plan_id": plan["id"],
        "funding_source": "local",
        "content_group": "demonstration_and_technology_transfer",
        "beneficiary_facility_id": FACILITY.facility_id,
        "total_cost_vnd": 900_000_000,
        "requested_support_vnd": 300_000_000,
        "counterpart_vnd": 600_000_000,
        "start_date": "2019-03-01",
        "end_date": "2019-11-30",
    }

    async def proposed() -> bool:
        return (await promotion.post("/projects", body)).status_code == 201

    assert await wait_until(proposed, timeout_s=60), "the beneficiary never reached promotion"
    project = (await promotion.ok("GET", "/projects?limit=1"))["items"][0]
    caps = await promotion.ok("GET", "/support-caps?limit=1")
    return Known(
        values={
            "plan_id": [plan["id"]],
            "project_id": [project["id"]],
            "beneficiary_facility_id": [FACILITY.facility_id],
            "beneficiary_enterprise_id": [owner.enterprise_id],
            "province_code": [SON_LA],
        },
        cursors=[caps["next_cursor"]] if caps["next_cursor"] else [],
    )


RECORDS: dict[str, Callable[[httpx.AsyncClient, str, str], Awaitable[Known]]] = {
    "registry": lambda http, token, _bootstrap: registry_records(http, token),
    "environment": environment_records,
    "promotion": promotion_records,
}
AGENCY = {
    "registry": "so-cong-thuong",
    "environment": "so-tnmt",
    "promotion": "so-cong-thuong",
    "reporting": "so-cong-thuong",
}
"""Whose token the fuzzer carries for each service: the agency that writes (or reads) there."""


async def records_of(service: ServedService, token: str) -> Known:
    make = RECORDS.get(service.name)
    if make is None:
        return Known()
    async with httpx.AsyncClient(base_url=service.url) as http:
        return await make(http, token, service.kafka_bootstrap)


# -- steering: real and hostile values beside the generated ones ------------------------------


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=4,
)
FORGED_CURSORS = st.one_of(
    st.lists(JSON, min_size=2, max_size=2).map(lambda key: _b64(json.dumps(key))),
    JSON.map(lambda key: _b64(json.dumps(key))),
    st.integers(min_value=1, max_value=10_000).map(lambda depth: _b64("[" * depth + "]" * depth)),
)
ETAGS = st.one_of(
    st.integers(min_value=0).map(lambda version: f'"{version}"'),
    st.integers(min_value=0).map(lambda version: f'W/"{version}"'),
    st.integers(min_value=1, max_value=10_000).map(lambda digits: '"' + "9" * digits + '"'),
)
# Any octet a header may carry (RFC 9110 obs-text included), so also bytes that are not UTF-8.
LATIN1_HEADERS = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), min_size=1
).filter(lambda value: not value[0].isspace() and not value[-1].isspace())


def with_nul(value: Any) -> list[st.SearchStrategy[Any]]:
    """Text with a NUL character, which PostgreSQL can neither store nor compare."""
    return [st.just(f"{value}\x00")] if isinstance(value, str) else []


def _variants(
    values: Any, alternatives: Callable[[str, Any], list[st.SearchStrategy[Any]]]
) -> st.SearchStrategy[Any]:
    """The generated values, each kept or replaced, with equal chances, by one of the
    alternatives for its name and value."""
    if not isinstance(values, dict) or not values:
        return st.just(values)
    return st.fixed_dictionaries(
        {
            name: st.one_of(st.just(value), *alternatives(name.lower(), value))
            for name, value in values.items()
        }
    )


def steer(schema: BaseSchema, known: Known) -> None:
    """Replace generated values, each with equal chances, by real ids, codes and cursors (to
    reach real records), by forged cursors and ETag-shaped If-Match headers, by text with a NUL
    character in paths and queries, and by header bytes that are not UTF-8. Bodies get real
    values only: a NUL would spoil their dates and enums, and some writes should succeed."""
    real = {name: st.sampled_from(values) for name, values in known.values.items() if values}
    cursors = st.sampled_from(known.cursors) | FORGED_CURSORS if known.cursors else FORGED_CURSORS
    in_query = {**real, "cursor": cursors}

    def path_parameter(name: str, value: Any) -> list[st.SearchStrategy[Any]]:
        return [real[name], *with_nul(value)] if name in real else with_nul(value)

    def query_parameter(name: str, value: Any) -> list[st.SearchStrategy[Any]]:
        return [in_query[name], *with_nul(value)] if name in in_query else with_nul(value)

    def body_field(name: str, _value: Any) -> list[st.SearchStrategy[Any]]:
        return [real[name]] if name in real else []

    def header(name: str, _value: Any) -> list[st.SearchStrategy[Any]]:
        return [ETAGS, LATIN1_HEADERS] if name == "if-match" else [LATIN1_HEADERS]

    schema.hook("flatmap_path_parameters")(lambda _, values: _variants(values, path_parameter))
    schema.hook("flatmap_query")(lambda _, values: _variants(values, query_parameter))
    schema.hook("flatmap_body")(lambda _, body: _variants(body, body_field))
    schema.hook("flatmap_headers")(lambda _, values: _variants(values, header))


# -- the run ---------------------------------------------------------------------------------


@dataclass
class Journal:
    """Requests sent, and every distinct failure (operation; failed checks; status and media
    type) with schemathesis' report of the first request that showed it, curl included."""

    sent: Counter[str] = field(default_factory=Counter)
    failures: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    reports: dict[tuple[str, str], str] = field(default_factory=dict)
    unanswered: int = 0

    def record(self, operation: str, checks: str, status: str, report: str) -> None:
        self.failures[(checks, status, operation)] += 1
        self.reports.setdefault((checks, status), report)

    def describe(self, service: ServedService) -> str:
        operations: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
        for (checks, status, operation), count in sorted(self.failures.items()):
            operations[(checks, status)].append(f"    {operation} ({count}x)")
        lines = [
            f"the {service.name} API broke its OpenAPI document: {len(self.failures)} distinct "
            f"failures in {self.sent.total()} requests"
        ]
        if self.unanswered >= UNANSWERED_BEFORE_GIVING_UP:
            lines.append(f"(the fuzzer stopped after {self.unanswered} requests went unanswered)")
        for (checks, status), where in operations.items():
            lines += ["", f"== {checks}: {status}, in", *where, "-- the first of them:"]
            lines.append(self.reports[(checks, status)].strip())
        lines += ["", f"== unhandled errors in {service.log}:", *logged_errors(service.log)]
        return "\n".join(lines)


def logged_errors(log: Path) -> list[str]:
    """The distinct exceptions in a service's JSON log, each as where this repository's code
    raised it and its first message."""
    found: dict[tuple[str, str, str], str] = {}
    for line in log.read_text(errors="replace").splitlines():
        try:
            trace = str(json.loads(line).get("exception") or "")
        except (ValueError, AttributeError):
            continue
        frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', trace)
        ours = [f for f in frames if Path(f[0]).is_relative_to(REPO) and "-packages" not in f[0]]
        raised = re.findall(r"^([A-Za-z_][\w.]*): (.+)$", trace, re.MULTILINE)
        if ours and raised:
            path, number, function = ours[-1]
            error, message = raised[-1]
            gist = re.sub(r"0x[0-9a-f]+|\d+", "#", re.sub(r"^\(.*?\) ", "", message))
            key = (f"{Path(path).relative_to(REPO)}:{number} in {function}", error, gist[:40])
            found.setdefault(key, message[:200])
    return [f"    {where}: {error}: {message}" for (where, error, _), message in found.items()]


def sender(journal: Journal, session: requests.Session, token: str) -> Callable[[Case], None]:
    """Send a case with the bearer token and check the response; failures go to the journal."""
    auth = {"Authorization": f"Bearer {token}"}

    def send(case: Case) -> None:
        if journal.unanswered >= UNANSWERED_BEFORE_GIVING_UP:
            return  # the service is down or stuck: the rest would only wait for time-outs
        label = case.operation.label
        journal.sent[label] += 1
        try:
            response = case.call(session=session, headers=auth, timeout=10)
        except requests.RequestException as exc:
            journal.unanswered += 1
            report = f"{exc}\n\n    {case.as_curl_command(headers=auth)}"
            journal.record(label, type(exc).__name__, "no response", report)
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=auth)
        except FailureGroup as group:
            checks = "; ".join(sorted(f"{f.code} {f.title}" for f in group.exceptions))
            media_type = next(
                (v[0] for k, v in response.headers.items() if k.lower() == "content-type"), ""
            )
            status = f"{response.status_code} {media_type}".strip()
            journal.record(label, checks, status, group.message)

    return send


def fuzz(operation: APIOperation, mode: GenerationMode, send: Callable[[Case], None]) -> None:
    """`EXAMPLES` cases of one operation in one mode, from a seed of their own."""

    @hypothesis.seed(zlib.crc32(f"{SEED} {operation.label} {mode.value}".encode()))
    @SETTINGS
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Case) -> None:
        send(case)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # Nothing in this operation can be made invalid (GET /healthz takes no input).


@pytest.fixture
def no_constants_from_imported_modules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Hypothesis also draws string and number literals of the project's modules imported so
    far, which would change the requests with the tests collected beside this one."""
    monkeypatch.setattr(providers, "_get_local_constants", providers.Constants)
    providers.CONSTANTS_CACHE.cache.clear()
    yield
    providers.CONSTANTS_CACHE.cache.clear()


@pytest.mark.usefixtures("no_constants_from_imported_modules")
@pytest.mark.parametrize("served_service", SERVICES, indirect=True)
def test_every_response_is_one_the_openapi_document_promises(
    served_service: ServedService,
) -> None:
    token = mint_token(
        served_service.jwt_secret,
        subject="fuzzer",
        agency=AGENCY[served_service.name],
        roles=["officer", "approver"],
        province="14",
    )
    config = schemathesis.Config.from_dict({"base-url": served_service.url})
    schema = schemathesis.openapi.from_url(f"{served_service.url}/openapi.json", config=config)
    steer(schema, asyncio.run(records_of(served_service, token)))
    journal = Journal()
    with requests.Session() as session:
        send = sender(journal, session, token)
        for path in schema:
            for operation in schema[path].values():
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    fuzz(operation, mode, send)

    if journal.failures:
        pytest.fail(journal.describe(served_service), pytrace=False)
