from asn_console.main import main

main()
