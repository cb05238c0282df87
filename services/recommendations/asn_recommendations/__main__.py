from asn_recommendations.main import main

main()
