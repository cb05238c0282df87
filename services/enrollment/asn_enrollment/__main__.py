from asn_enrollment.main import main

main()
