"""Entry point of the surveys service: `asn-surveys` or `python -m asn_surveys`."""

from __future__ import annotations

from asn_platform.service import run_service
from asn_surveys.bootstrap import DEFINITION

__all__ = ["DEFINITION", "main"]


def main() -> None:
    run_service(DEFINITION)


if __name__ == "__main__":
    main()
