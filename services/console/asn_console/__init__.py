"""The web console of the ASN development platform (owns no data: it calls the services' APIs
with the signed-in user's token)."""
