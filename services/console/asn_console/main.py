"""The console's entry point (`asn-console` or `python -m asn_console`)."""

from __future__ import annotations

import uvicorn

from asn_console.bootstrap import create_app
from asn_console.settings import Settings
from asn_platform.logs import configure_logging
from asn_platform.settings import load_settings

__all__ = ["create_app", "main"]


def main() -> None:
    settings = load_settings(Settings)
    configure_logging("console", settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
