"""`asn-healthcheck`: the container health check of every service image (deploy/Dockerfile).

Asks the service's own `/ready` and prints the answer, so the health log that `docker inspect`
shows says which dependency is missing (`{"checks": {"database": "unreachable", ...}}`) instead
of a traceback. Exit 0 when ready, 1 otherwise (Docker's convention for unhealthy).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def check(url: str, timeout_s: float = 2.0) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:
            return True, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as err:  # 503 carries the checks that failed
        return False, f"{err.code}: {err.read().decode(errors='replace')[:500]}"
    except OSError as err:  # not listening yet, or hanging
        return False, f"{url}: {err}"


def main() -> None:
    port = os.environ.get("ASN_HTTP_PORT", "8000")
    ok, said = check(f"http://127.0.0.1:{port}/ready")
    print(said)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
