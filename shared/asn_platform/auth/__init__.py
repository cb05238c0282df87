"""Identity and access control shared by every service: OIDC access tokens, roles, scoping.

See docs/security.md for the role-by-route table and how to point the platform at Keycloak.
"""

from asn_platform.auth.access import allow, any_role, public
from asn_platform.auth.principal import Principal, Role
from asn_platform.request_context import principal_of

__all__ = ["Principal", "Role", "allow", "any_role", "principal_of", "public"]
