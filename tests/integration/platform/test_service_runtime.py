import asyncpg
import pytest

from asn_devkit.testing import running_service
from asn_surveys.main import DEFINITION

pytestmark = pytest.mark.integration


async def test_a_service_creates_its_database_migrates_and_reports_ready(
    kafka_topics, pg_server_url, db_factory
):
    prefix = f"asn_test_rt_{db_factory.run_id}_"
    db_factory.created.append(f"{prefix}surveys")
    async with running_service(
        DEFINITION, bootstrap=kafka_topics, server_url=pg_server_url, db_prefix=prefix
    ) as (ctx, client):
        ready = await client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
        assert (await client.get("/health")).json() == {"status": "ok"}
        metrics = await client.get("/metrics")
        assert "http_requests_total" in metrics.text
        assert (await client.get("/openapi.json")).status_code == 200
        assert (await client.get("/asyncapi.json")).json()["asyncapi"] == "3.0.0"
        conn = await asyncpg.connect(ctx.database_dsn)
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") >= 0
        await conn.close()


async def test_http_metrics_count_by_route_template_and_status(
    kafka_topics, pg_server_url, db_factory
):
    prefix = f"asn_test_rm_{db_factory.run_id}_"
    db_factory.created.append(f"{prefix}surveys")
    async with running_service(
        DEFINITION, bootstrap=kafka_topics, server_url=pg_server_url, db_prefix=prefix
    ) as (_ctx, client):
        assert (await client.get("/api/v1/units/disdukcapil")).status_code == 200
        assert (await client.get("/api/v1/units/tidak-ada")).status_code == 404
        assert (await client.get("/no/such/path")).status_code == 404
        metrics = (await client.get("/metrics")).text
        for route, status in (
            ("/api/v1/units/{unit_id}", "200"),
            ("/api/v1/units/{unit_id}", "404"),
            ("unmatched", "404"),
        ):
            assert (
                f'http_requests_total{{method="GET",route="{route}",service="surveys",'
                f'status="{status}"}} 1.0'
            ) in metrics, (route, status)
        assert (
            'http_request_duration_seconds_count{method="GET",route="/api/v1/units/{unit_id}"'
            in metrics
        )
