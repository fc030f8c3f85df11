"""Shared pieces of the exactly-once tests on a real broker (tests/reliability/*_test.py).

Topics per run get a unique suffix so tests sharing one fixture broker never see each other's
records. The pipeline under test is a command line (PIPELINE) run as a subprocess; its outputs
are read back with read_committed consumers and judged by key: events.v1 key = event_id,
stories.v1 key = story_id (services/pipeline's contract).

Events merge across stories (services/pipeline/processor.h): a report of an event another story
published already is a new version of that event (same key, version + 1, the story in
related_story_ids), so an events.v1 key legitimately appears once per version. judge_events()
says what exactly-once means then.
"""

import collections
import datetime
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

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
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
        self.signatures = f"signatures.v1-{tag}-{run}"  # created by the pipeline (compacted)
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


# The merge window of the runs under test (the pipeline's default); the reference run uses 0.
MERGE_WINDOW_DAYS = 2


def pipeline_command(topics, extra=(), state=False, merge_window_days=None):
    """argv of the pipeline under test: $EVENTWIRE_EOS_PIPELINE (a command line) + flags.
    state: the dedup index and the event merger live on the per-run signatures topic (created
    by the pipeline), as in production, so restarts pick up where the committed outputs left
    off; merge_window_days: --event-merge-window-days (None: the pipeline's default)."""
    state_flags = ["--signatures-topic", topics.signatures] if state else []
    if merge_window_days is not None:
        state_flags += ["--event-merge-window-days", str(merge_window_days)]
    base = os.environ.get("EVENTWIRE_EOS_PIPELINE", "")
    if not base:
        fail("EVENTWIRE_EOS_PIPELINE is not set (path of services/pipeline's binary)")
    return [*shlex.split(base), "--brokers", brokers(),
            "--input-topic", topics.input, "--events-topic", topics.events,
            "--stories-topic", topics.stories, "--dlq-topic", topics.dlq,
            "--group-id", topics.group, "--transactional-id", topics.txn_id,
            *state_flags, "--delivery", "exactly-once", *extra]


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
    # A broker that has just started may still be loading the group coordinator
    # (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS): retriable, so ask again.
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            tps = c.committed([TopicPartition(topic, p) for p in range(partitions)], TIMEOUT_S)
            break
        except KafkaException as e:
            err = e.args[0]
            coordinator_not_ready = err.code() in (KafkaError.NOT_COORDINATOR,
                                                   KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
                                                   KafkaError.COORDINATOR_NOT_AVAILABLE)
            if not (coordinator_not_ready or err.retriable()) or time.monotonic() > deadline:
                c.close()
                raise
            time.sleep(0.5)
    c.close()
    return {tp.partition: max(tp.offset, 0) for tp in tps}


def story_trigger(story):
    """The article whose processing produced this Story record (the newest one joined)."""
    if story.articles:
        return story.articles[-1].article_id
    return story.canonical_article_id


# --- judging events.v1 -------------------------------------------------------------------------
def merge_key(ev):
    """services/pipeline's merge key (libs/extract event_merger.cc): root, actor codes, country."""
    return (ev.cameo_root, ev.source.code, ev.target.code, ev.location.country_code)


def event_day(ev):
    """Days since 1970 of the event date (YYYY[-MM[-DD]]), else of publication."""
    d = ev.event_date.date
    try:
        y = int(d[0:4])
        m = int(d[5:7]) if len(d) >= 7 else 1
        day = int(d[8:10]) if len(d) >= 10 else 1
        return (datetime.date(y, m, day) - datetime.date(1970, 1, 1)).days
    except ValueError:
        return ev.published_at.seconds // 86400


def reference_from(messages, event_pb2):
    """The reference run's events (merging off): event_id -> (story_id, merge key)."""
    out = {}
    for m in messages:
        ev = event_pb2.Event.FromString(m.value())
        out[ev.event_id] = (ev.story_id, merge_key(ev))
    return out


def judge_events(messages, reference, event_pb2, window_days=MERGE_WINDOW_DAYS):
    """Exactly-once of events.v1 with merging, against the unmerged reference.

    - each (event_id, version) is committed at most once, and the versions of one id increase
      in log order (one id = one key = one partition);
    - conservation: every reference event is in the final state exactly once, as an event of
      its own or as a report merged into another event of its merge key, i.e. per (story, merge
      key) the final events of that story plus the events whose related_story_ids name it
      number exactly the reference events of that story and key. So nothing is lost, nothing
      counted twice, whichever event of a key a report joined (that depends on the order the
      partitions were read, not on delivery);
    - no unexpected ids: every committed id is a reference id of the same story;
    - no missed merges: no two final events with one merge key, dates within the window and
      no story in common (one instance at a time holds the merger's whole committed state, so
      a restart that lost it would publish such a pair).
    Returns (summary line, problems, final events by id)."""
    final, seen, problems = {}, collections.Counter(), []
    regressions = []
    for m in messages:  # log order per partition
        ev = event_pb2.Event.FromString(m.value())
        if m.key().decode() != ev.event_id:
            problems.append(f"events.v1 key {m.key()!r} != event_id {ev.event_id!r}")
        seen[(ev.event_id, ev.version)] += 1
        held = final.get(ev.event_id)
        if held is not None and ev.version <= held.version:
            regressions.append((ev.event_id, held.version, ev.version))
        if held is None or ev.version > held.version:
            final[ev.event_id] = ev
    duplicated = sum(c - 1 for c in seen.values() if c > 1)
    unexpected = [i for i, ev in final.items()
                  if i not in reference or reference[i][0] != ev.story_id]
    want = collections.Counter((story, key) for story, key in reference.values())
    have = collections.Counter()
    for ev in final.values():
        have[(ev.story_id, merge_key(ev))] += 1
        for story in ev.related_story_ids:
            have[(story, merge_key(ev))] += 1
    lost = sum((want - have).values())
    extra = sum((have - want).values())
    by_key = collections.defaultdict(list)
    for ev in final.values():
        by_key[merge_key(ev)].append(ev)
    missed = 0
    for evs in by_key.values():
        for i, a in enumerate(evs):
            for b in evs[i + 1:]:
                if abs(event_day(a) - event_day(b)) > window_days:
                    continue
                if not ({a.story_id, *a.related_story_ids} & {b.story_id, *b.related_story_ids}):
                    missed += 1
    merged = sum(len(ev.related_story_ids) for ev in final.values())
    summary = (f"events_out={len(messages)} event_ids={len(final)} reference_events={len(reference)} "
               f"merged_reports={merged} lost={lost} duplicated={duplicated} "
               f"version_regressions={len(regressions)} counted_twice={extra} "
               f"unexpected={len(unexpected)} missed_merges={missed}")
    if lost:
        problems.append(f"{lost} reference events neither published nor merged into an event")
    if duplicated:
        problems.append(f"{duplicated} duplicate events (same event_id and version), e.g. "
                        f"{[k for k, c in seen.items() if c > 1][:3]}")
    if regressions:
        problems.append(f"{len(regressions)} versions not increasing in log order, e.g. "
                        f"{regressions[:3]}")
    if extra:
        problems.append(f"{extra} reference events counted twice (own event and merged)")
    if unexpected:
        problems.append(f"{len(unexpected)} events not in the reference, e.g. {sorted(unexpected)[:3]}")
    if missed:
        problems.append(f"{missed} pairs of events that should have merged (merger state lost?)")
    return summary, problems, final
