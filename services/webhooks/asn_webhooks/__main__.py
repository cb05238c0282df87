from asn_webhooks.main import main

main()
