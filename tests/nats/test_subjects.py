"""The subject scheme: every subject is built in ``_nats_subjects`` and matches its table."""

from __future__ import annotations

from kaizen_actors.transport import _nats_subjects as subjects


def test_the_inbox_subjects_follow_the_scheme() -> None:
    prefix = subjects.inbox_prefix("a.b", "T" * subjects.TOKEN_LENGTH)
    assert prefix == f"ka.a%2Eb.i.{'T' * 16}."
    assert prefix.startswith(subjects.inbox_space("a.b") + ".")
    assert subjects.inbox_subjects(prefix) == prefix + "*"
    assert subjects.reply_subject(prefix, "42") == prefix + "r42"
    assert subjects.events_subject(prefix, "42") == prefix + "e42"
    assert subjects.tell_subject(prefix, 10, "tok") == prefix + "t00atok"
    assert subjects.credit_subject(prefix, "f") == prefix + "cf"


def test_a_cancel_notice_names_the_reply_subject_of_its_ask() -> None:
    prefix = subjects.inbox_prefix("shop", subjects.RandomTokens().next())
    secret = subjects.RandomTokens().next()
    notice = subjects.cancel_notice(prefix, secret)
    assert secret.encode() in notice
    expected = subjects.reply_subject(prefix, subjects.ask_id(secret))
    assert subjects.cancelled_reply(notice) == expected
    assert subjects.cancelled_reply(notice[:-1]) is None  # a short secret names nothing
    assert subjects.cancelled_reply(b"\xff\xfe") is None


def test_the_namespace_subjects_and_names() -> None:
    assert subjects.cancel_subject("a b") == "ka.a%20b.x"
    assert subjects.durable_subject("shop", "w.1") == "ka.shop.d.w%2E1"
    assert subjects.durable_subjects("shop") == "ka.shop.d.>"
    assert subjects.durable_stream("a.b") == "KA_a_2Eb"
    assert subjects.durable_consumer("w.1") == subjects.queue_group("w.1") == "w%2E1"
    assert subjects.service_name("a.b") == "ka-a_b"
    assert subjects.service_subject("shop", "ID") == "ka.shop.svc.ID"
    every = [subjects.cancel_subject("s"), subjects.durable_subject("s", "x")]
    assert all(s.startswith(subjects.namespace_space("s")) for s in every)
