"""The comparison with the reference run, table by table: lost (a key of the reference missing),
duplicated (a key more often than in the reference) and divergent (the same key with other
values, or a key the reference does not have); and the report's lines."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from asn_devkit.faultsuite.run import RunResult
from asn_devkit.faultsuite.state import TABLES, Rows


@dataclass
class Diff:
    lost: int = 0
    duplicated: int = 0
    divergent: int = 0
    rows: int = 0
    examples: list[str] = field(default_factory=list)


def _grouped(rows: list[dict[str, Any]], key_cols: tuple[str, ...]) -> dict[str, Counter[str]]:
    """key -> the multiset of the rows' other values."""
    g: dict[str, Counter[str]] = {}
    for row in rows:
        key = json.dumps([row.get(c) for c in key_cols], default=str)
        rest = {k: v for k, v in row.items() if k not in key_cols}
        g.setdefault(key, Counter())[json.dumps(rest, sort_keys=True, default=str)] += 1
    return g


def compare(reference: Rows, run: Rows) -> dict[str, Diff]:
    out: dict[str, Diff] = {}
    for name, ref_rows in reference.items():
        service, table = name.split(".")
        key_cols = TABLES[service][table]
        diff = Diff(rows=len(ref_rows))
        ref, got = _grouped(ref_rows, key_cols), _grouped(run.get(name, []), key_cols)
        for key in sorted(set(ref) | set(got)):
            r, g = ref.get(key, Counter()), got.get(key, Counter())
            nr, ng = sum(r.values()), sum(g.values())
            if ng < nr:
                diff.lost += nr - ng
            elif ng > nr:
                diff.duplicated += ng - nr
            diverged = sum(((g - r) if nr else g).values()) - max(0, ng - nr)
            diff.divergent += max(0, diverged)
            if (ng != nr or diverged > 0) and len(diff.examples) < 3:
                diff.examples.append(f"{key}: reference {dict(r)} vs run {dict(g)}"[:600])
        out[name] = diff
    return out


def report(ref: RunResult, run: RunResult) -> tuple[dict[str, Diff], list[str]]:
    diffs = compare(ref.state, run.state)
    s = run.sent
    lines = [
        f"events sent per run: {s.total()} (HTTP answers {s.http} + resent {s.http_resent}, "
        f"Kafka intake {s.kafka} + again {s.kafka_redelivered}, roster {s.roster}, "
        f"transitions {s.transitions}, redelivered events {s.redelivered_events}); "
        f"retries during faults {s.retries} (reference {ref.sent.retries})",
        "faults: "
        + ", ".join(
            f"{f.kind} at {f.at_s:.1f}s/event {f.at_event} (back at {f.recovered_s:.1f}s)"
            for f in run.faults
        ),
        f"duration: reference {ref.seconds:.1f}s, faulted {run.seconds:.1f}s",
        f"{'table':45} {'rows':>6} {'lost':>5} {'dup':>5} {'div':>5}",
    ]
    for name, d in diffs.items():
        lines.append(f"{name:45} {d.rows:6} {d.lost:5} {d.duplicated:5} {d.divergent:5}")
        lines += [f"    {e}" for e in d.examples]
    total = Diff(
        lost=sum(d.lost for d in diffs.values()),
        duplicated=sum(d.duplicated for d in diffs.values()),
        divergent=sum(d.divergent for d in diffs.values()),
    )
    lines.append(f"TOTAL lost {total.lost}, duplicated {total.duplicated}, "
                 f"divergent {total.divergent}")  # fmt: skip
    if run.stalled:
        lines.append(f"STALLED (faulted run): {run.stalled}")
    if ref.stalled:
        lines.append(f"STALLED (reference run): {ref.stalled}")
    if run.supervisor_errors:
        lines.append(f"supervisor errors: {run.supervisor_errors[:5]}")
    return diffs, lines
