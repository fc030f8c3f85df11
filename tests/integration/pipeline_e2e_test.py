#!/usr/bin/python3
"""End-to-end test of the pipeline binary: articles in, protobuf events, stories and DLQ out.

Broker: $EVENTWIRE_TEST_BROKERS if set (e.g. a real Apache Kafka), else a fresh
`eventwire mock-broker`. Topic names get a random suffix so runs never share state.
An independent client (python3-confluent-kafka) produces the articles and reads the outputs
with isolation.level=read_committed; protobuf stubs are generated at run time with
grpc_tools.protoc from proto/. Checks:
  - every decodable article gets exactly one story record, keyed by story_id; near-duplicate
    copies share one story (num_articles 2) and only the first of them yields events;
  - events decode as eventwire.v1.Event, keyed by event_id, and equal what the offline
    `eventwire extract` finds in the same articles (same libraries, deterministic ids);
  - two stories reporting one event (pe-1, pe-2: other outlets, other words) give one event:
    pe-2's report is a new version of pe-1's event (related_story_ids, both outlets in
    sources), as offline; each (event_id, version) is published once;
  - every DLQ reason is produced once, with the original bytes (oversize cut to the limit)
    and the eventwire.dlq.* / eventwire.source.* headers;
  - SIGTERM stops the pipeline cleanly (exit 0).
"""
import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time

from confluent_kafka import Consumer, Producer

TIMEOUT_S = 60
MAX_BYTES = 4096  # --max-message-bytes for this test: small, so "oversize" stays cheap


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def generate_stubs(proto_dir, out_dir):
    from grpc_tools import protoc
    import grpc_tools
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    files = [os.path.join(proto_dir, "eventwire", "v1", f) for f in ("article.proto", "story.proto", "event.proto")]
    if protoc.main(["protoc", f"-I{proto_dir}", f"-I{include}", f"--python_out={out_dir}", *files]) != 0:
        fail("grpc_tools.protoc failed")
    sys.path.insert(0, out_dir)


class MockBroker:
    def __init__(self, eventwire, topics, workdir):
        bootstrap_file = os.path.join(workdir, "bootstrap")
        self.proc = subprocess.Popen([eventwire, "mock-broker", "--bootstrap-file", bootstrap_file,
                                      "--topics", ",".join(topics), "--partitions", "2"],
                                     stdout=subprocess.DEVNULL)
        deadline = time.time() + 20
        while not os.path.exists(bootstrap_file):
            if self.proc.poll() is not None or time.time() > deadline:
                fail("mock-broker did not start")
            time.sleep(0.05)
        with open(bootstrap_file) as f:
            self.bootstrap = f.read().strip()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


# --- the articles (written for this test) ---------------------------------------------------
STORY = ("HARARE, March 3 - Zimbabwean riot police arrested 42 opposition supporters in Harare on "
         "Monday after a rally turned violent. Opposition leaders accused the government of "
         "repression, and the African Union urged both sides to show restraint. Witnesses said "
         "officers fired tear gas at the crowd near the central market.")


def articles():
    """(key, value bytes, headers, kind) in produce order; kind names the expected outcome."""
    a = {"id": "zw-1", "source": "harare-wire", "title": "Police arrest opposition supporters in Harare",
         "text": STORY, "published_at": "2027-03-03T12:00:00Z", "language": "en"}
    # A syndicated copy (how near a near-duplicate may be is libs/dedup's business).
    a_copy = dict(a, id="zw-1-copy", source="reprint-daily", published_at="2027-03-03T15:00:00Z")
    b = {"id": "pe-1", "source": "lima-news", "title": "Peru and Chile sign a water accord",
         "text": "LIMA, March 5 - The foreign ministers of Peru and Chile signed an agreement on shared "
                 "water resources in Lima on Friday. Peru's president praised the accord and said both "
                 "countries would cooperate on border development.",
         "published_at": "2027-03-05T09:30:00Z"}
    # Another outlet's report of the same signing: a story of its own, the same event. (Both are
    # dated within the dedup window of zw-1: a newer article read first would otherwise push zw-1
    # out of the index before its copy arrives, whatever the partition order.)
    b2 = {"id": "pe-2", "source": "andes-times", "title": "Water deal for the border rivers",
          "text": "The foreign ministers of Peru and Chile signed an agreement in Lima on Friday to "
                  "share the rivers along their border. Farmers in the dry valleys of the south have "
                  "waited a decade for the deal, a regional growers union said in a statement.",
          "published_at": "2027-03-05T18:00:00Z"}
    bare = ("Flooding in Bangladesh\n\nDHAKA - Bangladeshi troops evacuated thousands of villagers from "
            "flooded districts on Sunday, and India offered emergency aid to the government in Dhaka.")
    html = ("<html><head><title>Ukraine accuses Russia of shelling</title></head><body><article>"
            "<h1>Ukraine accuses Russia of shelling</h1><p>KYIV - Ukrainian officials accused Russian "
            "forces of shelling a power station near Kharkiv overnight.</p><p>The Ukrainian foreign "
            "ministry demanded an investigation.</p></article></body></html>")
    from eventwire.v1 import article_pb2
    pb = article_pb2.RawArticle(id="tz-1", source="dar-post", title="Tanzania hosts mediation talks",
                                text="DAR ES SALAAM - Tanzania hosted talks between Burundian government "
                                     "envoys and exiled opposition leaders on Wednesday, and the United "
                                     "Nations welcomed the meeting.")
    pb.published_at.FromJsonString("2027-02-10T08:00:00Z")

    js = [("content-type", b"application/json")]
    return [
        ("zw-1", json.dumps(a).encode(), js, "new"),
        ("pe-1", json.dumps(b).encode(), js, "new"),
        ("pe-2", json.dumps(b2).encode(), js, "new"),
        ("bare-1", bare.encode(), [("content-type", b"text/plain")], "new"),
        ("html-1", html.encode(), [("content-type", b"text/html")], "new"),
        ("tz-1", pb.SerializeToString(), [("content-type", b"application/x-protobuf")], "new"),
        ("zw-1-copy", json.dumps(a_copy).encode(), js, "duplicate"),
        ("dlq-empty", b"", [], "empty"),
        ("dlq-oversize", json.dumps(dict(b, id="big", text="word " * 2000)).encode(), js, "oversize"),
        ("dlq-binary", bytes(range(256)) * 4, [], "not_text"),
        ("dlq-json", b'{"id": "x", "text": "unterminated', js, "bad_json"),
        ("dlq-proto", b"\xff\xff\xff\xff\x0f\x00garbage", [("content-type", b"application/x-protobuf")],
         "bad_protobuf"),
        ("dlq-notext", json.dumps({"id": "nt", "title": "Only a title"}).encode(), js, "missing_text"),
    ]


def produce(bootstrap, topic, records):
    p = Producer({"bootstrap.servers": bootstrap, "message.max.bytes": 1 << 20, "enable.idempotence": True})
    for key, value, headers, _ in records:
        # pe-1 and pe-2 report one event: on one partition pe-1 is read first and its event
        # takes pe-2's report, as in the offline run (which reads them in this order).
        where = {"partition": 0} if key.startswith("pe-") else {}
        p.produce(topic, value, key=key.encode(), headers=headers, **where)
    if p.flush(TIMEOUT_S) != 0:
        fail("could not produce the articles")


def read_outputs(bootstrap, topics, want_stories, want_dlq):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "e2e-check-" + secrets.token_hex(4),
                  "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                  "enable.auto.commit": False})
    c.subscribe([topics["events"], topics["stories"], topics["dlq"]])
    out = {"events": [], "stories": [], "dlq": []}
    by_topic = {v: k for k, v in topics.items()}
    deadline = time.time() + TIMEOUT_S
    quiet_until = None
    while time.time() < deadline:
        m = c.poll(0.2)
        done = len(out["stories"]) >= want_stories and len(out["dlq"]) >= want_dlq
        if m is None:
            # Events share transactions with the stories; once those are in, drain briefly.
            if done:
                quiet_until = quiet_until or time.time() + 2
                if time.time() > quiet_until:
                    break
            continue
        if m.error():
            continue
        quiet_until = None
        out[by_topic[m.topic()]].append(m)
    c.close()
    return out


def header(m, name):
    for k, v in m.headers() or []:
        if k == name:
            return v
    return None


def offline_events(eventwire, records):
    """What the offline CLI finds in the JSON articles that carry a publication time (the pipeline
    fills a missing one from the record timestamp; the CLI cannot): article id -> {event_summary}."""
    lines = [v.decode() for k, v, h, kind in records
             if kind == "new" and (b"application/json",) == tuple(x for n, x in h if n == "content-type")]
    r = subprocess.run([eventwire, "extract"], input="\n".join(lines) + "\n", capture_output=True,
                       text=True, timeout=TIMEOUT_S)
    if r.returncode != 0:
        fail(f"eventwire extract failed: {r.stderr}")
    found = {}
    for line in r.stdout.splitlines():
        e = json.loads(line)
        found.setdefault(e["article_id"], set()).add(
            (e["cameo_code"], e["evidence"]["sentence"], tuple(e["related_story_ids"])))
    return found


def event_summary(e):
    """What is compared with the offline run: code, sentence, merged stories (not the outlets:
    which copy of the syndicated pair is read first varies)."""
    return (e.cameo_code, e.evidence.sentence, tuple(e.related_story_ids))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eventwire", required=True)
    ap.add_argument("--pipeline", required=True)
    ap.add_argument("--proto-dir", required=True)
    ap.add_argument("--delivery", default="exactly-once")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="eventwire-e2e-")
    generate_stubs(args.proto_dir, work)
    from eventwire.v1 import event_pb2, story_pb2

    suffix = secrets.token_hex(4)
    topics = {"input": f"articles.raw.{suffix}", "events": f"events.v1.{suffix}",
              "stories": f"stories.v1.{suffix}", "dlq": f"articles.dlq.{suffix}"}
    mock = None
    bootstrap = os.environ.get("EVENTWIRE_TEST_BROKERS", "")
    if not bootstrap:
        mock = MockBroker(args.eventwire, list(topics.values()), work)
        bootstrap = mock.bootstrap
    print(f"broker {bootstrap} ({'mock' if mock else 'external'}), delivery {args.delivery}")

    log_path = os.path.join(work, "pipeline.log")
    log = open(log_path, "wb")
    pipeline = subprocess.Popen(
        [args.pipeline, "--brokers", bootstrap, "--input-topic", topics["input"],
         "--events-topic", topics["events"], "--stories-topic", topics["stories"],
         "--dlq-topic", topics["dlq"], "--group-id", f"e2e-{suffix}",
         "--transactional-id", f"e2e-{suffix}", "--delivery", args.delivery,
         "--partitions", "2", "--max-message-bytes", str(MAX_BYTES), "--max-runtime-s", "120",
         # Off: ctest -j runs the mock and real-broker variants side by side, and
         # the default ports would collide ("cannot serve /metrics on 0.0.0.0:9464").
         "--metrics-port", "0", "--health-port", "0"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        records = articles()
        produce(bootstrap, topics["input"], records)
        new = [r for r in records if r[3] == "new"]
        dup = [r for r in records if r[3] == "duplicate"]
        dead = {r[0]: r for r in records if r[3] not in ("new", "duplicate")}
        out = read_outputs(bootstrap, topics, len(new) + len(dup), len(dead))

        pipeline.send_signal(signal.SIGTERM)
        rc = pipeline.wait(30)
        log.close()
        with open(log_path, errors="replace") as f:
            pipeline_log = f.read()
        if rc != 0:
            fail(f"pipeline exited {rc} after SIGTERM; log:\n{pipeline_log[-3000:]}")
        if '"msg":"stopped"' not in pipeline_log:
            fail("pipeline did not log its clean stop")

        # Stories: one record per decodable article, keyed by story_id.
        stories = []
        for m in out["stories"]:
            s = story_pb2.Story.FromString(m.value())
            if m.key().decode() != s.story_id:
                fail(f"story key {m.key()} != story_id {s.story_id}")
            if header(m, "content-type") != b"application/x-protobuf":
                fail("story without content-type application/x-protobuf")
            stories.append(s)
        if len(stories) != len(new) + len(dup):
            fail(f"{len(stories)} story records, want {len(new) + len(dup)}")
        story_of = {}
        for s in stories:
            for a in s.articles:
                story_of.setdefault(a.article_id, s.story_id)
        for key, *_ in new + dup:
            if key not in story_of:
                fail(f"article {key} is in no story; stories: {[list(a.article_id for a in s.articles) for s in stories]}")
        if story_of["zw-1"] != story_of["zw-1-copy"]:
            fail("the syndicated copy got a story of its own")
        if max(s.num_articles for s in stories if s.story_id == story_of["zw-1"]) != 2:
            fail("the duplicated story does not count 2 articles")
        if len({story_of[k] for k, *_ in new}) != len(new):
            fail("distinct articles share a story")

        # Events: protobuf, keyed by event_id, from first articles only, equal to the offline CLI.
        events = [event_pb2.Event.FromString(m.value()) for m in out["events"]]
        for m, e in zip(out["events"], events):
            if m.key().decode() != e.event_id:
                fail(f"event key {m.key()} != event_id {e.event_id}")
        if len({(e.event_id, e.version) for e in events}) != len(events):
            fail("an event version was published twice")
        if not events:
            fail("no events at all")
        final = {}  # the newest version of each event (a merge publishes a new one)
        for e in events:
            if e.event_id in final and e.version <= final[e.event_id].version:
                fail(f"event {e.event_id}: version {e.version} after {final[e.event_id].version}")
            final[e.event_id] = e
        by_article = {}
        for e in final.values():
            by_article.setdefault(e.article_id, set()).add(event_summary(e))
            for story in (e.story_id, *e.related_story_ids):
                if story not in {s.story_id for s in stories}:
                    fail(f"event {e.event_id} names unknown story {story}")
        merged = [e for e in final.values() if list(e.related_story_ids) == [story_of["pe-2"]]]
        if not merged or any(e.story_id != story_of["pe-1"] or e.version < 2 or
                             set(e.sources) != {"lima-news", "andes-times"} for e in merged):
            fail("pe-2's report of the signing did not merge into pe-1's event: "
                 f"{[(e.event_id, e.story_id, list(e.related_story_ids), e.version) for e in final.values()]}")
        zw_firsts = [k for k in ("zw-1", "zw-1-copy") if k in by_article]
        if len(zw_firsts) > 1:
            fail("events were extracted from both copies of one story")
        expected = offline_events(args.eventwire, records)
        # The syndicated pair's events come from whichever copy was read first (they sit on
        # different partitions); their content is the same either way.
        got = {"zw-1": by_article.get(zw_firsts[0], set()) if zw_firsts else set(),
               "pe-1": by_article.get("pe-1", set()), "pe-2": by_article.get("pe-2", set())}
        for article_id, mine in got.items():
            if mine != expected.get(article_id, set()):
                fail(f"events of {article_id}: pipeline {sorted(mine)} != offline "
                     f"{sorted(expected.get(article_id, set()))}")

        # DLQ: every reason once, original bytes, headers.
        seen = {}
        for m in out["dlq"]:
            key = m.key().decode() if m.key() else ""
            if key not in dead:
                fail(f"unexpected DLQ record {key!r}")
            if key in seen:
                fail(f"{key} dead-lettered twice")
            seen[key] = m
            _, value, _, reason = dead[key]
            if header(m, "eventwire.dlq.reason") != reason.encode():
                fail(f"{key}: reason {header(m, 'eventwire.dlq.reason')}, want {reason}")
            if header(m, "eventwire.dlq.stage") != b"decode" or not header(m, "eventwire.dlq.detail"):
                fail(f"{key}: stage/detail headers missing")
            if header(m, "eventwire.source.topic") != topics["input"].encode():
                fail(f"{key}: source topic header {header(m, 'eventwire.source.topic')}")
            if header(m, "eventwire.source.partition") is None or header(m, "eventwire.source.offset") is None:
                fail(f"{key}: source partition/offset headers missing")
            want = value[:MAX_BYTES]
            if (m.value() or b"") != want:
                fail(f"{key}: DLQ value is not the original bytes")
            if reason == "oversize" and header(m, "eventwire.dlq.original-bytes") != str(len(value)).encode():
                fail("oversize record does not say its original size")
        if set(seen) != set(dead):
            fail(f"missing DLQ records: {sorted(set(dead) - set(seen))}")

        print("events per article: " + ", ".join(f"{k}={len(v)}" for k, v in sorted(by_article.items())))
        print(f"ok: {len(stories)} stories, {len(events)} event records ({len(merged)} merged), {len(seen)} DLQ records "
              f"({', '.join(sorted(r[3] for r in dead.values()))})")
    finally:
        if pipeline.poll() is None:
            pipeline.kill()
            pipeline.wait()
        if mock:
            mock.stop()


if __name__ == "__main__":
    main()
