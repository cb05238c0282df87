"""Entry point of the webhooks service: `asn-webhooks` or `python -m asn_webhooks`."""

from asn_platform.service import run_service
from asn_platform.settings import fail, load_settings
from asn_webhooks.bootstrap import DEFINITION
from asn_webhooks.sealing import KEYS_VARIABLE
from asn_webhooks.settings import Settings


def main() -> None:
    # Refused here, in one line, rather than by the start-up check's traceback.
    if not load_settings(Settings).secret_keys():
        fail(
            f"configuration error: {KEYS_VARIABLE}: required (one or more Fernet keys,"
            " comma-separated, sealing the signing secrets; ./dev run makes one)"
        )
    run_service(DEFINITION)


if __name__ == "__main__":
    main()
