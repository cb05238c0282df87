from asn_devkit.demo import main

main()
