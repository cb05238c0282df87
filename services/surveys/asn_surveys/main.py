"""Entry point of the surveys service: `asn-surveys` or `python -m asn_surveys`."""

from asn_platform.service import ServiceDefinition, run_service
from asn_surveys.settings import Settings

DEFINITION: ServiceDefinition[Settings] = ServiceDefinition(
    name="surveys",
    title="Layanan Survei Kepuasan Masyarakat (SKM) / Public satisfaction surveys",
    description="Survei SKM per Permenpan RB 14/2017: unit layanan, kuesioner, masukan warga, IKM dan deteksi kesenjangan layanan.",
    settings_model=Settings,
    migration_packages=["asn_platform", "asn_surveys"],
)


def main() -> None:
    run_service(DEFINITION)


if __name__ == "__main__":
    main()
