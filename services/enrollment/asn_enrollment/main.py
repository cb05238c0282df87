"""Entry point of the enrollment service: `asn-enrollment` or `python -m asn_enrollment`."""

from asn_enrollment.bootstrap import DEFINITION
from asn_platform.service import run_service

__all__ = ["DEFINITION", "main"]


def main() -> None:
    run_service(DEFINITION)


if __name__ == "__main__":
    main()
