"""The developer kit of the ASN platform: everything needed to run, test, benchmark and show the
platform on one machine, and nothing a service needs at run time.

- ``launcher``: ``asn-platform run`` / ``./dev run``, the whole platform with embedded parts;
- ``embedded``: Apache Kafka (or Tansu) and PostgreSQL started as local processes;
- ``oidc``: the development OpenID provider (seeded users and clients);
- ``testing``: the pytest fixtures' building blocks (broker, databases, running services);
- ``benchmarking``: the benchmarks' shared plumbing;
- ``demo``: ``asn-demo``, the whole loop against a running platform.

Service images never install this package (deploy/Dockerfile); ``asn_platform`` never imports
it (an import-linter contract in pyproject.toml).
"""
