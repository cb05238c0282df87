from asn_surveys.main import main

main()
