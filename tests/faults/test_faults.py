"""The fault suite's short form (asn_devkit.faultsuite; the long form is benchmarks/faults.py
--minutes N): one round of the seeded mixed load on the whole platform while every service, the
broker and PostgreSQL are killed or stopped one at a time and one service's database connections
are cut; the end state must equal a fault-free reference run on the same input, table by table.
"""

from __future__ import annotations

import pytest

from asn_devkit import faultsuite as fs
from asn_devkit.embedded import kafka as embedded_kafka

pytestmark = [pytest.mark.faults, pytest.mark.kafka_only]

SEED = 16


@pytest.mark.skipif(not embedded_kafka.available(), reason="needs Java 17+ for Apache Kafka")
@pytest.mark.timeout(1200)  # two whole platforms, one of them through eight faults
def test_no_effect_is_lost_duplicated_or_divergent_under_faults(tmp_path) -> None:
    faults = fs.fault_plan(SEED)
    run = fs.run_once(tmp_path / "faulted", seed=SEED, rounds=1, rate=20.0, faults=faults)
    ref = fs.run_once(tmp_path / "reference", seed=SEED, rounds=1, rate=20.0, faults=[])
    diffs, lines = fs.report(ref, run)
    print("\n".join(lines))
    assert not run.stalled and not ref.stalled, "\n".join(lines)
    # every planned fault happened, and each while the load ran (before its last event)
    assert [f.kind for f in run.faults] == faults
    assert all(f.recovered_s for f in run.faults), lines
    assert run.sent.total() == ref.sent.total() > 0
    # the reference is not empty where it matters: the loop went all the way round
    for table in ("surveys.ikm_buckets", "surveys.gap_state", "enrollment.enrollments",
                  "enrollment.jp_entries", "recommendations.gap_decisions",
                  "recommendations.nudges", "recommendations.rm_completions"):  # fmt: skip
        assert diffs[table].rows > 0, table
    bad = {k: d for k, d in diffs.items() if d.lost or d.duplicated or d.divergent}
    assert not bad, "\n".join(lines)
