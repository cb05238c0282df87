from asn_notifications.bootstrap import main

main()
