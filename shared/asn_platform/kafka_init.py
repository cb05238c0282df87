"""`asn-kafka-init`: topics, service users and their ACLs on a real cluster, as the admin
principal; idempotent, so a deployment runs it at every start (docker-compose's `kafka-access`).

Admin login: ASN_KAFKA_BOOTSTRAP_SERVERS, ASN_KAFKA_SECURITY_PROTOCOL (SASL_PLAINTEXT or
SASL_SSL), ASN_KAFKA_SASL_USERNAME, ASN_KAFKA_SASL_PASSWORD. Each service's password comes from
ASN_KAFKA_PASSWORD_<SERVICE> (e.g. ASN_KAFKA_PASSWORD_SURVEYS); a service without one keeps the
credential it has (its ACLs are still created). No secret is printed.
"""

from __future__ import annotations

import os
import sys
import time

from asn_platform import access
from asn_platform.settings import PlatformSettings, fail, load_settings


def main(argv: list[str] | None = None) -> None:
    settings = load_settings(PlatformSettings)
    if not settings.kafka_sasl_username:
        fail("configuration error: ASN_KAFKA_SASL_USERNAME (the admin principal) is not set")
    conf = access.admin_config_from(settings)
    admin = access.admin_client(conf)
    deadline = time.monotonic() + float(os.environ.get("ASN_KAFKA_INIT_TIMEOUT_S", "120"))
    while True:
        try:
            admin.list_topics(timeout=5)
            break
        except Exception as err:
            if time.monotonic() > deadline:
                fail(f"Kafka at {settings.kafka_bootstrap_servers} did not answer: {err}")
            time.sleep(2)
    created = access.ensure_topics_sync(admin)
    passwords = {
        s.service: os.environ[f"ASN_KAFKA_PASSWORD_{s.service.upper()}"]
        for s in access.SERVICE_ACCESS
        if os.environ.get(f"ASN_KAFKA_PASSWORD_{s.service.upper()}")
    }
    access.ensure_service_access(admin, passwords)
    print(f"topics created: {', '.join(created) or 'none (all existed)'}")
    for s in access.SERVICE_ACCESS:
        state = "password set" if s.service in passwords else "password unchanged"
        print(f"{s.principal}: {len(access.service_rules(s))} ACLs, {state}")
    sys.exit(0)


if __name__ == "__main__":
    main()
