#!/usr/bin/python3
"""`eventwire produce` and `eventwire tail` against a broker (env EVENTWIRE_TEST_BROKERS).

produce: every article of examples/ arrives keyed by its id, as JSON or protobuf with the
content-type header; --raw sends file bytes unchanged; a dead broker makes it exit non-zero.
tail: events and stories (protobuf) are printed as proto3 JSON, chosen by the eventwire.type
header or the topic name; DLQ records as {key, headers, value_base64}; aborted transactions
are not shown (read_committed); --max and --timeout-s stop it.
An independent client (python3-confluent-kafka) is on the other side of each check.

usage: produce_tail_test.py EVENTWIRE_BINARY SOURCE_DIR
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

BIN = SRC = None
BROKERS = os.environ.get("EVENTWIRE_TEST_BROKERS", "")
TIMEOUT_S = 30


def topic(prefix):
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": BROKERS})
    for f in admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)]).values():
        f.result(timeout=TIMEOUT_S)
    return name


def run(args, stdin=None):
    return subprocess.run([BIN] + args, input=stdin, capture_output=True, timeout=120)


def read_all(name, expected):
    """Up to `expected` records of `name` from the beginning, read_committed, bounded in time."""
    c = Consumer({"bootstrap.servers": BROKERS, "group.id": f"t-{uuid.uuid4()}",
                  "isolation.level": "read_committed", "enable.auto.commit": False})
    c.assign([TopicPartition(name, p, 0) for p in (0, 1)])
    out = []
    for _ in range(TIMEOUT_S * 5):
        if len(out) >= expected:
            break
        m = c.poll(0.2)
        if m is not None and not m.error():
            out.append(m)
    c.close()
    return out


def example_ids():
    p = subprocess.run([BIN, "clean", os.path.join(SRC, "examples")], capture_output=True, text=True,
                       timeout=120, check=True)
    return [json.loads(line)["article_id"] for line in p.stdout.splitlines()]


class Produce(unittest.TestCase):
    def test_json_articles_keyed_by_id(self):
        t = topic("produce-json")
        p = run(["produce", "--brokers", BROKERS, "--topic", t, os.path.join(SRC, "examples")])
        self.assertEqual(p.returncode, 0, p.stderr)
        ids = example_ids()
        msgs = read_all(t, len(ids))
        self.assertEqual(sorted(m.key().decode() for m in msgs), sorted(ids))
        for m in msgs:
            self.assertEqual(dict(m.headers())["content-type"], b"application/json")
            article = json.loads(m.value())
            self.assertEqual(article["id"], m.key().decode())
            self.assertTrue(article.get("text") or article.get("html"))
        self.assertIn(f"{len(ids)} of {len(ids)} messages delivered", p.stderr.decode())

    def test_legacy_encoded_text_file_is_sent_as_its_bytes(self):
        t = topic("produce-latin1")
        body = "Protesta en Bogot\u00e1\n\nMiles marcharon el s\u00e1bado.\n".encode("latin-1")
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "latin1.txt"), "wb") as f:
                f.write(body)
            for content_type in ("application/json", "application/x-protobuf"):
                p = run(["produce", "--brokers", BROKERS, "--topic", t, "--content-type", content_type, d])
                self.assertEqual(p.returncode, 0, p.stderr)
        msgs = read_all(t, 2)
        self.assertEqual(len(msgs), 2)
        for m in msgs:
            self.assertEqual((m.key(), m.value()), (b"latin1.txt", body))
            self.assertEqual(dict(m.headers())["content-type"], b"text/plain")

    def test_protobuf_articles_and_stdin(self):
        t = topic("produce-proto")
        line = json.dumps({"id": "stdin-1", "title": "Visit", "text": "The envoy arrived in Hanoi."})
        p = run(["produce", "--brokers", BROKERS, "--topic", t, "--content-type", "application/x-protobuf"],
                stdin=(line + "\n").encode())
        self.assertEqual(p.returncode, 0, p.stderr)
        [m] = read_all(t, 1)
        self.assertEqual(m.key(), b"stdin-1")
        self.assertEqual(dict(m.headers())["content-type"], b"application/x-protobuf")
        # Field 1 (id) first, as protobuf serializes: tag 0x0a, length 7.
        self.assertTrue(m.value().startswith(b"\x0a\x07stdin-1"), m.value()[:20])

    def test_raw_sends_bytes_unchanged(self):
        t = topic("produce-raw")
        with tempfile.TemporaryDirectory() as d:
            payloads = {"empty.bin": b"", "binary.bin": bytes(range(256)), "bad.json": b'{"text": '}
            for name, data in payloads.items():
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)
            p = run(["produce", "--brokers", BROKERS, "--topic", t, "--raw", d])
            self.assertEqual(p.returncode, 0, p.stderr)
        got = {m.key().decode(): (m.value() or b"", m.headers()) for m in read_all(t, len(payloads))}
        self.assertEqual({k: v[0] for k, v in got.items()}, payloads)
        self.assertTrue(all(not h for _, h in got.values()), "no content-type header in raw mode")

    def test_usage_and_unreachable_broker(self):
        self.assertEqual(run(["produce", "--topic", "x"]).returncode, 2)
        self.assertEqual(run(["produce", "--brokers", BROKERS, "--topic", "x", "--raw"]).returncode, 2)
        self.assertEqual(run(["produce", "--brokers", BROKERS, "--topic", "x", "--content-type", "text/csv"]).returncode, 2)
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("Talks resume\n\nNegotiators met in Geneva.\n")
            f.flush()
            env = dict(os.environ)
            p = subprocess.run([BIN, "produce", "--brokers", "127.0.0.1:1", "--topic", "x", "--timeout-s", "2", f.name],
                               capture_output=True, timeout=120, env=env)
        self.assertNotEqual(p.returncode, 0)


class Tail(unittest.TestCase):
    def tail(self, t, *extra):
        p = run(["tail", "--brokers", BROKERS, "--topic", t, "--from-beginning", "--timeout-s", "5", *extra])
        self.assertEqual(p.returncode, 0, p.stderr)
        return [json.loads(line) for line in p.stdout.decode().splitlines()]

    def test_events_stories_and_dlq_records(self):
        sys.path.insert(0, self.stubs)
        from eventwire.v1 import event_pb2, story_pb2  # noqa: E402 (generated at test time)
        events_t, stories_t, dlq_t = topic("events.v1"), topic("stories.v1"), topic("articles.dlq")
        e = event_pb2.Event(event_id="ev-1", cameo_code="0311", cameo_root="03", quad_class=1)
        e.source.name = "Pakistan"
        s = story_pb2.Story(story_id="st-1", num_articles=3)
        pb = [("content-type", b"application/x-protobuf")]
        prod = Producer({"bootstrap.servers": BROKERS})
        prod.produce(events_t, key=b"ev-1", value=e.SerializeToString(), headers=pb)
        prod.produce(stories_t, key=b"st-1", value=s.SerializeToString(), headers=pb)
        # The header wins over the topic name.
        prod.produce(events_t, key=b"st-1", value=s.SerializeToString(), headers=pb + [("eventwire.type", b"story")])
        dlq_headers = [("eventwire.dlq.stage", b"decode"), ("eventwire.dlq.reason", b"not_text"),
                       ("eventwire.source.offset", b"7")]
        prod.produce(dlq_t, key=b"a-7", value=b"\x00\xffpoison", headers=dlq_headers)
        self.assertEqual(prod.flush(TIMEOUT_S), 0)

        events = self.tail(events_t)
        self.assertEqual(len(events), 2)
        by_key = {x.get("event_id") or x.get("story_id"): x for x in events}
        self.assertEqual(by_key["ev-1"]["cameo_code"], "0311")
        self.assertEqual(by_key["ev-1"]["source"]["name"], "Pakistan")
        self.assertEqual(by_key["ev-1"]["quad_class"], 1)
        self.assertIn("negated", by_key["ev-1"], "defaults are printed")
        self.assertEqual(by_key["st-1"]["num_articles"], 3)

        [story] = self.tail(stories_t)
        self.assertEqual(story["story_id"], "st-1")

        [dlq] = self.tail(dlq_t)
        self.assertEqual(set(dlq), {"key", "headers", "value_base64"})
        self.assertEqual(dlq["key"], "a-7")
        self.assertEqual(dlq["headers"]["eventwire.dlq.reason"], "not_text")
        self.assertEqual(base64.b64decode(dlq["value_base64"]), b"\x00\xffpoison")

    def test_read_committed_max_and_default_end(self):
        t = topic("events.v1")
        prod = Producer({"bootstrap.servers": BROKERS, "transactional.id": f"tail-test-{uuid.uuid4()}"})
        prod.init_transactions(TIMEOUT_S)
        for commit in (True, False, True):
            prod.begin_transaction()
            prod.produce(t, key=b"k", value=b"", headers=[("eventwire.type", b"event")])
            # Wait for the record to be in the log before ending the transaction: an
            # abort racing the partition's registration in the transaction is refused
            # by a loaded broker (INVALID_TXN_STATE) with librdkafka 2.0.
            prod.flush(TIMEOUT_S)
            prod.commit_transaction(TIMEOUT_S) if commit else prod.abort_transaction(TIMEOUT_S)
        # Two committed (empty = default Event), one aborted: never shown.
        self.assertEqual(len(self.tail(t)), 2)
        self.assertEqual(len(self.tail(t, "--max", "1")), 1)
        # Without --from-beginning only new records are shown: none here.
        p = run(["tail", "--brokers", BROKERS, "--topic", t, "--timeout-s", "2"])
        self.assertEqual((p.returncode, p.stdout), (0, b""), p.stderr)

    def test_missing_topic_and_usage(self):
        p = run(["tail", "--brokers", BROKERS, "--topic", f"absent-{uuid.uuid4().hex[:8]}", "--timeout-s", "2"])
        self.assertEqual(p.returncode, 1)
        self.assertEqual(run(["tail", "--topic", "x"]).returncode, 2)
        self.assertEqual(run(["tail", "--brokers", BROKERS, "--topic", "x", "--max", "-3"]).returncode, 2)

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        cls.stubs = cls._tmp.name
        protos = os.path.join(SRC, "proto")
        subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{protos}", f"--python_out={cls.stubs}",
                        "eventwire/v1/article.proto", "eventwire/v1/event.proto", "eventwire/v1/story.proto"],
                       check=True, timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if not BROKERS:
        sys.exit("EVENTWIRE_TEST_BROKERS is not set (run through tests/fixtures/kafka/kafka-broker)")
    BIN, SRC = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1] + sys.argv[3:], verbosity=2)
