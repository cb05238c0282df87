"""``python -m asn_devkit.oidc --port 8010``: the provider on its own (DevIdentity starts it so)."""

from __future__ import annotations

import argparse

from asn_devkit.oidc.accounts import REALM
from asn_devkit.oidc.provider import REFRESH_TTL_S, create_provider


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="ASN development OpenID Connect provider")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--issuer", help="public issuer URL (default: from host and port)")
    parser.add_argument("--token-ttl", type=int, default=900)
    parser.add_argument("--refresh-ttl", type=int, default=REFRESH_TTL_S)
    args = parser.parse_args()
    issuer = args.issuer or f"http://{args.host}:{args.port}/realms/{REALM}"
    app = create_provider(issuer, args.token_ttl, args.refresh_ttl)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
