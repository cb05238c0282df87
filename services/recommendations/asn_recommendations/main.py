"""Entry point of the recommendations service: `asn-recommendations` or `python -m asn_recommendations`."""

from asn_platform.service import ServiceDefinition, run_service
from asn_platform.settings import load_settings
from asn_recommendations.api import router
from asn_recommendations.consumers import on_start
from asn_recommendations.rules_file import rules_or_exit
from asn_recommendations.settings import Settings

DEFINITION: ServiceDefinition[Settings] = ServiceDefinition(
    name="recommendations",
    title="Layanan Rekomendasi Pengembangan ASN / ASN development recommendations",
    description="Dari kesenjangan layanan dan riwayat pelatihan menjadi program terarah, terjadwal dan dijelaskan.",
    settings_model=Settings,
    migration_packages=["asn_platform", "asn_recommendations"],
    routers=lambda ctx: [router(ctx)],
    on_start=on_start,
)


def main() -> None:
    # Refuse a bad rules file before touching the database or the broker: one line, exit 2.
    rules_or_exit(load_settings(Settings))
    run_service(DEFINITION)


if __name__ == "__main__":
    main()
