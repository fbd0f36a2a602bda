"""Schema compatibility: which changes to an event's JSON Schema would break a consumer.

The rule is Confluent's FULL compatibility: data written with the new schema must be readable
with the old one and the other way round. Only optional fields may be added or removed; a
removed required field, a renamed field, a changed type, format or enum, a field made
required or made optional, and a field made nullable or not are all breaking.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any]


@dataclass(frozen=True)
class _Doc:
    """A schema document, for resolving its local `$ref`s."""

    root: Schema

    def resolve(self, node: Schema) -> Schema:
        seen = 0
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $ref is supported, got {ref!r}")
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part]
            extra = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **extra}
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref cycle at {ref}")
        return node


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every change from `old` to `new` that would break a reader or a writer, in words."""
    return list(_compare(_Doc(old), old, _Doc(new), new, "data"))


def _split_nullable(doc: _Doc, node: Schema) -> tuple[Schema, bool]:
    node = doc.resolve(node)
    options = node.get("anyOf") or node.get("oneOf")
    if options:
        non_null = [doc.resolve(o) for o in options if doc.resolve(o).get("type") != "null"]
        nullable = len(non_null) < len(options)
        if len(non_null) == 1:
            return non_null[0], nullable
        return {"anyOf": non_null}, nullable
    if isinstance(node.get("type"), list):
        types = [t for t in node["type"] if t != "null"]
        return {**node, "type": types[0] if len(types) == 1 else types}, "null" in node["type"]
    return node, node.get("type") == "null"


def _kind(node: Schema) -> str:
    if "enum" in node:
        return "enum"
    if "const" in node:
        return "const"
    if "anyOf" in node:
        return "union"
    if "type" in node:
        return json.dumps(node["type"])
    if "properties" in node:
        return '"object"'
    return "any"


def _compare(od: _Doc, old: Schema, nd: _Doc, new: Schema, path: str) -> Iterator[str]:
    o, o_null = _split_nullable(od, old)
    n, n_null = _split_nullable(nd, new)
    if o_null != n_null:
        yield f"{path}: {'no longer' if o_null else 'now'} nullable"
    ok, nk = _kind(o), _kind(n)
    if ok != nk:
        yield f"{path}: type changed from {ok} to {nk}"
        return
    if ok == "enum" and sorted(map(str, o["enum"])) != sorted(map(str, n["enum"])):
        yield f"{path}: allowed values changed from {o['enum']} to {n['enum']}"
    if ok == "const" and o["const"] != n["const"]:
        yield f"{path}: constant changed from {o['const']!r} to {n['const']!r}"
    if o.get("format") != n.get("format"):
        yield f"{path}: format changed from {o.get('format')} to {n.get('format')}"
    if ok == "union":
        if len(o["anyOf"]) != len(n["anyOf"]):
            yield f"{path}: union changed from {len(o['anyOf'])} to {len(n['anyOf'])} options"
            return
        for i, (oo, nn) in enumerate(zip(o["anyOf"], n["anyOf"], strict=True)):
            yield from _compare(od, oo, nd, nn, f"{path}|{i}")
    if "items" in o or "items" in n:
        yield from _compare(od, o.get("items", {}), nd, n.get("items", {}), f"{path}[]")
    if "properties" in o or "properties" in n:
        yield from _compare_objects(od, o, nd, n, path)


def _compare_objects(od: _Doc, o: Schema, nd: _Doc, n: Schema, path: str) -> Iterator[str]:
    o_props, n_props = o.get("properties", {}), n.get("properties", {})
    o_req, n_req = set(o.get("required", [])), set(n.get("required", []))
    for name in sorted(o_props.keys() - n_props.keys()):
        if name in o_req:
            yield f"{path}.{name}: required field removed (or renamed)"
    for name in sorted(n_props.keys() - o_props.keys()):
        if name in n_req:
            yield f"{path}.{name}: new field is required (add it as optional)"
    for name in sorted(o_props.keys() & n_props.keys()):
        if name in o_req and name not in n_req:
            yield f"{path}.{name}: required field made optional"
        elif name in n_req and name not in o_req:
            yield f"{path}.{name}: optional field made required"
        yield from _compare(od, o_props[name], nd, n_props[name], f"{path}.{name}")
