"""`asn-demo`: the whole loop of the platform, step by step, against a running platform.

Start the platform in one terminal (`./dev run`), then run `.venv/bin/asn-demo` in another.
Everything goes through the services' HTTP APIs, as a newcomer or an operator would use them:

 1. synthetic but realistic SKM answers (seeded, so every run sends the same ones) for three
    Tangerang Selatan units: Disdukcapil clearly failing on U7 Perilaku Pelaksana, the others
    fine; each unit's served_per_month is lowered first (operator API) so that a small number
    of answers is an adequate Krejcie-Morgan sample;
 2. the IKM per unit and element, the gap the surveys service detected;
 3. the programme the recommendations service scheduled (with its explanation);
 4. the sessions the enrollment service opened and the invitations it sent;
 5. most invitations accepted, one declined with a reason; attendance and completion scores;
 6. JP balances and who is still below 20 JP; one person's recommendations (reasons, evidence);
    the nudge for the person who declined; the impact, or the honest "belum ada data";
 7. before any invitation, the unit's contacts imported into notifications (CSV, as an
    operator would); at the end, what reached the local mailbox (the mail catcher of
    `./dev run`): invitations with their .ics, the nudge, the certificates, counted per kind.

Asynchronous steps (events between the services) are polled with a timeout; a step that never
happens stops the demo with a message naming the step and the service. Running it again is safe:
answers carry stable client references per period (a resend is counted once), and invitations
already answered are taken as they are.

The steps are plain functions returning the services' data, so the end-to-end test drives the
same loop (tests/e2e/test_full_loop.py). The package is split in three: ``client`` (URLs,
tokens, one call per API), ``scenario`` (the seeded answers and the steps), ``mailbox`` (the
contacts import and what reached the mailbox) and ``narration`` (what a newcomer reads); this
module is the command line and re-exports them.
"""

from __future__ import annotations

import argparse
import os
import sys

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from asn_devkit.demo.client import (
    DEFAULT_ISSUER,
    DEFAULT_MAIL_URL,
    DEFAULT_URLS,
    DEMO_CLIENT,
    KIOSK_CLIENT,
    OIDC_PORT_OFFSET,
    READY_WAIT_S,
    SERVICES,
    Api,
    DemoError,
    Json,
    Urls,
)
from asn_devkit.demo.mailbox import (
    DEMO_MAIL_DOMAIN,
    ContactsImport,
    Expected,
    Mailbox,
    demo_email,
    import_contacts,
    mail_messages,
    wait_for_mail,
)
from asn_devkit.demo.narration import (
    MUTU_STYLE,
    DemoResult,
    Narrator,
    run_demo,
)
from asn_devkit.demo.scenario import (
    DECLINE_REASON,
    DEMO_SERVED_PER_MONTH,
    ELEMENT_CODES,
    FAILING_ELEMENT,
    FAILING_UNIT,
    JP_MINIMUM,
    MIN_RESPONSES,
    PLANS,
    SEED,
    Answered,
    Invitations,
    JpStanding,
    ProgressFn,
    Readiness,
    Scheduled,
    SubmitResult,
    UnitPlan,
    UnitPrep,
    answer_invitations,
    check_platform,
    complete_training,
    jp_standing,
    open_gaps,
    prepare_units,
    roster_of,
    score_for,
    session_enrollments,
    submit_surveys,
    survey_answers,
    unit_ikm,
    wait_for_gap,
    wait_for_impact,
    wait_for_invitations,
    wait_for_nudge,
    wait_for_programme,
    wait_for_recommendations,
)

__all__ = [
    "DECLINE_REASON",
    "DEFAULT_ISSUER",
    "DEFAULT_MAIL_URL",
    "DEFAULT_URLS",
    "DEMO_CLIENT",
    "DEMO_MAIL_DOMAIN",
    "DEMO_SERVED_PER_MONTH",
    "ELEMENT_CODES",
    "FAILING_ELEMENT",
    "FAILING_UNIT",
    "JP_MINIMUM",
    "KIOSK_CLIENT",
    "MIN_RESPONSES",
    "MUTU_STYLE",
    "OIDC_PORT_OFFSET",
    "PLANS",
    "READY_WAIT_S",
    "SEED",
    "SERVICES",
    "Answered",
    "Api",
    "ContactsImport",
    "DemoError",
    "DemoResult",
    "Expected",
    "Invitations",
    "JpStanding",
    "Json",
    "Mailbox",
    "Narrator",
    "ProgressFn",
    "Readiness",
    "Scheduled",
    "SubmitResult",
    "UnitPlan",
    "UnitPrep",
    "Urls",
    "answer_invitations",
    "check_platform",
    "complete_training",
    "demo_email",
    "import_contacts",
    "jp_standing",
    "mail_messages",
    "main",
    "open_gaps",
    "prepare_units",
    "roster_of",
    "run_demo",
    "score_for",
    "session_enrollments",
    "submit_surveys",
    "survey_answers",
    "unit_ikm",
    "wait_for_gap",
    "wait_for_impact",
    "wait_for_invitations",
    "wait_for_mail",
    "wait_for_nudge",
    "wait_for_programme",
    "wait_for_recommendations",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="asn-demo",
        description="Demo of the whole loop against a running platform (./dev run): surveys "
        "-> IKM -> gap -> programme -> invitations -> completion -> JP -> recommendations, "
        "and the messages in the local mailbox.",
    )
    parser.add_argument("--surveys-url", default=DEFAULT_URLS["surveys"])
    parser.add_argument("--enrollment-url", default=DEFAULT_URLS["enrollment"])
    parser.add_argument("--recommendations-url", default=DEFAULT_URLS["recommendations"])
    parser.add_argument("--notifications-url", default=DEFAULT_URLS["notifications"])
    parser.add_argument(
        "--mail-url", default=DEFAULT_MAIL_URL, help="the page of the local mail catcher"
    )
    parser.add_argument("--lang", choices=("id", "en"), default="id", help="id (default) or en")
    parser.add_argument(
        "--timeout",
        type=float,
        default=float(os.environ.get("ASN_DEMO_TIMEOUT", "45")),
        help="seconds to wait for each asynchronous step (events between services); "
        "default $ASN_DEMO_TIMEOUT or 45",
    )
    parser.add_argument(
        "--issuer",
        default=os.environ.get("ASN_OIDC_ISSUER", DEFAULT_ISSUER),
        help="OpenID provider the demo gets its tokens from (client credentials)",
    )
    parser.add_argument(
        "--client",
        default=os.environ.get("ASN_DEMO_CLIENT", ":".join(DEMO_CLIENT)),
        help="client_id:secret of the demo (role admin); default: the dev provider's asn-demo",
    )
    parser.add_argument(
        "--kiosk-client",
        default=os.environ.get("ASN_DEMO_KIOSK_CLIENT", ":".join(KIOSK_CLIENT)),
        help="client_id:secret of the kiosk it submits as (role kiosk)",
    )
    args = parser.parse_args(argv)
    console = Console()
    urls = Urls(
        args.surveys_url, args.enrollment_url, args.recommendations_url, args.issuer,
        args.notifications_url, args.mail_url,
    )  # fmt: skip
    client_id, _, secret = args.client.partition(":")
    kiosk_id, _, kiosk_secret = args.kiosk_client.partition(":")
    try:
        api = Api(
            urls,
            lang=args.lang,
            client=(client_id, secret),
            kiosk_client=(kiosk_id, kiosk_secret),
            wait_timeout_s=args.timeout,
        )
        with api:
            run_demo(api, console)
    except DemoError as err:
        console.print()
        console.print(
            Panel(
                escape(str(err)),
                title="Demo gagal" if args.lang == "id" else "Demo failed",
                border_style="red",
            )
        )
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("dihentikan." if args.lang == "id" else "interrupted.")
        sys.exit(130)
    sys.exit(0)


if __name__ == "__main__":
    main()
