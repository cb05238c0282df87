"""Entry point of the recommendations service: `asn-recommendations` or `python -m asn_recommendations`."""

from asn_platform.service import ServiceDefinition, run_service
from asn_recommendations.settings import Settings

DEFINITION: ServiceDefinition[Settings] = ServiceDefinition(
    name="recommendations",
    title="Layanan Rekomendasi Pengembangan ASN / ASN development recommendations",
    description="Dari kesenjangan layanan dan riwayat pelatihan menjadi program terarah, terjadwal dan dijelaskan.",
    settings_model=Settings,
    migration_packages=["asn_platform", "asn_recommendations"],
)


def main() -> None:
    run_service(DEFINITION)


if __name__ == "__main__":
    main()
