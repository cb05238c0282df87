"""Entry point of the recommendations service: `asn-recommendations` or `python -m asn_recommendations`."""

from asn_platform.service import run_service
from asn_platform.settings import load_settings
from asn_recommendations.bootstrap import DEFINITION
from asn_recommendations.rules_file import rules_or_exit
from asn_recommendations.settings import Settings

__all__ = ["DEFINITION", "main"]


def main() -> None:
    # Refuse a bad rules file before touching the database or the broker: one line, exit 2.
    rules_or_exit(load_settings(Settings))
    run_service(DEFINITION)


if __name__ == "__main__":
    main()
