"""Shared pieces of the exactly-once tests on a real broker (tests/reliability/*_test.py).

Topics per run get a unique suffix so tests sharing one fixture broker never see each other's
records. The pipeline under test is a command line (PIPELINE) run as a subprocess; its outputs
are read back with read_committed consumers and judged by key: events.v1 key = event_id,
stories.v1 key = story_id (services/pipeline's contract).
"""

import glob
import importlib
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TIMEOUT_S = 30


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def say(msg):
    print(msg, flush=True)


def brokers():
    b = os.environ.get("EVENTWIRE_TEST_BROKERS", "")
    if not b:
        fail("EVENTWIRE_TEST_BROKERS is not set (run through tests/fixtures/kafka/kafka-broker)")
    return b


def load_protos():
    """eventwire.v1 Python stubs generated from proto/ into a temp dir (never committed)."""
    from grpc_tools import protoc  # python3-grpc-tools
    import grpc_tools
    out = tempfile.mkdtemp(prefix="eventwire-pb-")
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    files = glob.glob(os.path.join(SOURCE_DIR, "proto", "eventwire", "v1", "*.proto"))
    if protoc.main(["protoc", f"-I{SOURCE_DIR}/proto", f"-I{include}",
                    f"--python_out={out}", *files]) != 0:
        fail("protoc failed on proto/eventwire/v1")
    sys.path.insert(0, out)
    return (importlib.import_module("eventwire.v1.event_pb2"),
            importlib.import_module("eventwire.v1.story_pb2"))


class Topics:
    def __init__(self, tag, partitions=1):
        run = uuid.uuid4().hex[:8]
        self.input = f"articles.raw-{tag}-{run}"
        self.events = f"events.v1-{tag}-{run}"
        self.stories = f"stories.v1-{tag}-{run}"
        self.dlq = f"articles.dlq-{tag}-{run}"
        self.group = f"eventwire-{tag}-{run}"
        self.txn_id = f"eventwire-{tag}-{run}-0"
        self.partitions = partitions

    def create(self):
        admin = AdminClient({"bootstrap.servers": brokers()})
        names = [self.input, self.events, self.stories, self.dlq]
        futures = admin.create_topics([NewTopic(n, num_partitions=self.partitions,
                                                replication_factor=1) for n in names])
        for f in futures.values():
            f.result(timeout=TIMEOUT_S)


def pipeline_command(topics, extra=()):
    """argv of the pipeline under test: $EVENTWIRE_EOS_PIPELINE (a command line) + flags."""
    base = os.environ.get("EVENTWIRE_EOS_PIPELINE", "")
    if not base:
        fail("EVENTWIRE_EOS_PIPELINE is not set (path of services/pipeline's binary)")
    return [*shlex.split(base), "--brokers", brokers(),
            "--input-topic", topics.input, "--events-topic", topics.events,
            "--stories-topic", topics.stories, "--dlq-topic", topics.dlq,
            "--group-id", topics.group, "--transactional-id", topics.txn_id,
            "--delivery", "exactly-once", *extra]


# The pipeline's metrics and health servers are off in these tests: instances run side by side
# (a zombie and its successor) and fixed default ports would collide with each other or with
# anything else on the machine. Environment, not flags, so the stand-in needs no such options.
PIPELINE_ENV = {"EVENTWIRE_METRICS_PORT": "0", "EVENTWIRE_HEALTH_PORT": "0"}


class Pipeline:
    """One pipeline process; its stderr goes to a log file so kill -9 never blocks a pipe."""

    def __init__(self, argv, log_path):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **PIPELINE_ENV))

    def kill9(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(TIMEOUT_S)
        self.log.close()

    def wait(self, timeout_s):
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None
        finally:
            self.log.close()

    def log_tail(self, n=3000):
        with open(self.log_path, "rb") as f:
            return f.read()[-n:].decode(errors="replace")


# --- articles ------------------------------------------------------------------------------
# Generated, distinct news-style articles: each sentence fills a template from independent
# random slots, so two articles share few word n-grams and none is a near-duplicate of another.
_ACTORS = ["Kenyan police", "the Nigerian army", "Pakistan's foreign ministry",
           "Afghan security forces", "the government of Peru", "French riot police",
           "Indian border guards", "Colombian rebels", "the Turkish interior ministry",
           "Egyptian prosecutors", "Brazilian federal police", "the Philippine navy",
           "Ukrainian officials", "Chilean protesters", "the Sudanese military",
           "Japanese diplomats", "the Mexican attorney general", "Somali militants",
           "the Indonesian president", "Ethiopian troops", "Thai opposition leaders",
           "Argentina's economy minister", "Iraqi lawmakers", "the Kenyan president"]
_TARGETS = ["opposition activists", "student protesters", "a rival militia", "striking miners",
            "foreign journalists", "local traders", "the ruling party", "border smugglers",
            "union leaders", "a regional governor", "refugees", "the United Nations envoy"]
_VERBS = ["arrested", "attacked", "condemned", "met", "accused", "threatened", "praised",
          "criticised", "expelled", "detained", "signed an agreement with", "rejected a proposal by",
          "called for talks with", "fired on", "demanded the release of", "welcomed"]
_PLACES = ["Nairobi", "Lagos", "Karachi", "Kabul", "Lima", "Marseille", "Srinagar", "Cali",
           "Ankara", "Cairo", "Recife", "Manila", "Kharkiv", "Santiago", "Khartoum", "Osaka",
           "Guadalajara", "Mogadishu", "Surabaya", "Addis Ababa", "Bangkok", "Rosario", "Basra"]
_DAYS = ["on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday",
         "on Sunday", "late on Sunday", "early on Friday", "overnight"]
_SAID = ["a spokesman said", "officials said", "witnesses told reporters",
         "according to a statement", "local media reported", "a police source said"]
_SYL = ["ka", "ro", "mi", "ta", "ve", "lo", "su", "ne", "di", "pa", "zo", "ri", "ba", "te", "gu"]


def _word(rng):
    return "".join(rng.choice(_SYL) for _ in range(rng.randint(2, 4)))


def make_article(seq, rng):
    sentences = []
    for _ in range(rng.randint(3, 5)):
        n = rng.randint(2, 400)
        sentences.append(
            f"{rng.choice(_ACTORS).capitalize()} {rng.choice(_VERBS)} {n} "
            f"{rng.choice(_TARGETS)} in {rng.choice(_PLACES)} {rng.choice(_DAYS)}, "
            f"{rng.choice(_SAID)}.")
        # A unique clause (invented names) keeps articles apart for near-duplicate detection.
        sentences.append(f"The {_word(rng).capitalize()} {_word(rng)} district council, led by "
                         f"{_word(rng).capitalize()} {_word(rng).capitalize()}, "
                         f"reported {rng.randint(1, 90)} {_word(rng)} incidents.")
    title = sentences[0].split(",")[0]
    article_id = f"eos-{seq:06d}"
    return article_id, json.dumps({
        "id": article_id, "url": f"https://news.example/{article_id}",
        "source": f"wire{seq % 7}.example", "title": title, "text": " ".join(sentences),
        "published_at": "2026-11-20T08:00:00Z", "language": "en"}).encode()


class ArticleProducer:
    """Idempotent producer of generated articles; remembers article_id -> (partition, offset)."""

    def __init__(self, topic, seed):
        self.topic = topic
        self.rng = random.Random(seed)
        self.seq = 0
        self.where = {}
        self.producer = Producer({"bootstrap.servers": brokers(), "enable.idempotence": True,
                                  "linger.ms": 5})

    def _delivered(self, err, msg):
        if err is not None:
            fail(f"producing an article: {err}")
        self.where[msg.key().decode()] = (msg.partition(), msg.offset())

    def send(self, count):
        for _ in range(count):
            article_id, value = make_article(self.seq, self.rng)
            self.seq += 1
            self.producer.produce(self.topic, key=article_id.encode(), value=value,
                                  headers={"content-type": "application/json"},
                                  on_delivery=self._delivered)
            self.producer.poll(0)
        self.producer.flush(TIMEOUT_S)


# --- reading outputs -------------------------------------------------------------------------
def end_offsets(topic, partitions, isolation="read_committed"):
    c = Consumer({"bootstrap.servers": brokers(), "group.id": f"probe-{uuid.uuid4()}",
                  "isolation.level": isolation, "enable.auto.commit": False})
    out = {}
    for p in range(partitions):
        _, high = c.get_watermark_offsets(TopicPartition(topic, p), TIMEOUT_S)
        out[p] = high
    c.close()
    return out


def read_committed(topic, partitions):
    """Every record of `topic` visible to read_committed, up to the last stable offset."""
    return read_records(topic, partitions, "read_committed")


def read_uncommitted(topic, partitions):
    """Every record on the log of `topic`, including those of open and aborted transactions."""
    return read_records(topic, partitions, "read_uncommitted")


def read_records(topic, partitions, isolation):
    c = Consumer({"bootstrap.servers": brokers(), "group.id": f"reader-{uuid.uuid4()}",
                  "isolation.level": isolation, "enable.auto.commit": False,
                  "enable.partition.eof": True})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    records, at_eof = [], set()
    deadline = time.monotonic() + 60
    while len(at_eof) < partitions and time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                at_eof.add(m.partition())
                continue
            fail(f"reading {topic}: {m.error()}")
        records.append(m)
    c.close()
    if len(at_eof) < partitions:
        fail(f"reading {topic}: did not reach the end within 60s")
    return records


def committed_offsets(group, topic, partitions):
    # read_uncommitted: a read_committed client asks for stable offsets and would wait out
    # the open transaction a killed pipeline leaves; we want what is committed right now.
    c = Consumer({"bootstrap.servers": brokers(), "group.id": group,
                  "isolation.level": "read_uncommitted", "enable.auto.commit": False})
    tps = c.committed([TopicPartition(topic, p) for p in range(partitions)], TIMEOUT_S)
    c.close()
    return {tp.partition: max(tp.offset, 0) for tp in tps}


def story_trigger(story):
    """The article whose processing produced this Story record (the newest one joined)."""
    if story.articles:
        return story.articles[-1].article_id
    return story.canonical_article_id
