"""The declarative ACL table (asn_platform.access), checked without a broker."""

from asn_platform import access, topics


def test_every_published_topic_has_exactly_one_writer_and_it_is_the_owner():
    writers: dict[str, list[str]] = {}
    for svc in access.SERVICE_ACCESS:
        for topic in svc.writes:
            writers.setdefault(topic, []).append(svc.service)
            assert topic.startswith(f"asn.{svc.service}."), (svc.service, topic)
    published = {t.name for t in topics.TOPICS} - {topics.RESPONSE_INTAKE}
    published -= {topics.RPC_RECOMMENDATIONS_REQUEST}
    assert set(writers) == published
    assert all(len(w) == 1 for w in writers.values()), writers


def test_services_get_no_wildcards_and_no_cluster_rights():
    for svc in access.SERVICE_ACCESS:
        for rtype, name, pattern, op in access.service_rules(svc):
            assert rtype in ("TOPIC", "GROUP")
            assert name not in ("*", "asn.", "asn")
            if pattern == "PREFIXED":
                assert rtype == "GROUP" or name.startswith(topics.RPC_REPLY_PREFIX), name
            assert op in ("READ", "WRITE", "CREATE", "DELETE")


def test_internal_topics_are_outside_the_public_prefix_and_not_grantable():
    assert not topics.RPC_RECOMMENDATIONS_REQUEST.startswith("asn.")
    assert not topics.reply_topic("enrollment", "host-1").startswith("asn.")
    assert not any(t.startswith(topics.INTERNAL_PREFIX) for t in access.GRANTABLE_TOPICS)


def test_partner_rules_are_literal_reads_and_a_prefixed_group():
    rules = access.partner_rules("dinkes", [topics.SURVEY_SUBMITTED])
    assert ("GROUP", "partner-dinkes.", "PREFIXED", "READ") in rules
    assert ("TOPIC", topics.SURVEY_SUBMITTED, "LITERAL", "READ") in rules
    assert {op for *_, op in rules} == {"READ"}
    assert access.PERSONAL_TOPICS == {
        topics.ASN_PROFILE_CHANGED,
        topics.ENROLLMENT_CHANGED,
        topics.TRAINING_COMPLETED,
        topics.RECOMMENDATION_ISSUED,
        topics.NUDGE_REQUESTED,
    }


def test_a_cluster_id_never_looks_like_an_option():
    from asn_devkit.embedded.kafka import random_cluster_id

    ids = [random_cluster_id() for _ in range(2000)]
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)


def test_the_pom_pins_the_same_kafka_version_as_the_code():
    from asn_devkit.embedded.kafka import KAFKA_VERSION, POM

    assert f"<kafka.version>{KAFKA_VERSION}</kafka.version>" in POM.read_text()
