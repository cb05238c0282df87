"""Entry point of the enrollment service: `asn-enrollment` or `python -m asn_enrollment`."""

from asn_enrollment.api import routers
from asn_enrollment.settings import Settings
from asn_enrollment.startup import on_start
from asn_platform.service import ServiceDefinition, run_service

DEFINITION: ServiceDefinition[Settings] = ServiceDefinition(
    name="enrollment",
    title="Layanan Pendaftaran Pelatihan ASN / ASN training enrollment",
    description="Daftar ASN, katalog program, sesi, siklus pendaftaran dan buku JP (20 JP per tahun).",
    settings_model=Settings,
    migration_packages=["asn_platform", "asn_enrollment"],
    routers=routers,
    on_start=on_start,
)


def main() -> None:
    run_service(DEFINITION)


if __name__ == "__main__":
    main()
