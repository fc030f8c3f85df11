#!/usr/bin/python3
"""Stories across pipeline instances and across restarts (services/pipeline/story_sync.h).

On one `eventwire mock-broker` (or $EVENTWIRE_TEST_BROKERS, e.g. a real Kafka), two pipeline processes A and B join one consumer group on a
2-partition input topic, each with --signatures-topic and its own --state-dir. Copies of one
report are produced to different partitions (so different instances read them), a little apart
in time so the race window of docs/dedup.md "Across instances" is not hit:

  phase 1  original on partition 0, a syndicated copy on partition 1, an unrelated report:
           the copy joins the original's story (num_articles 2), the unrelated one does not,
           and only the original yields events;
  phase 2  both stopped (SIGTERM: A writes a snapshot), B's state dir deleted, both started
           again: A restores from its snapshot, B from the signatures topic alone. A copy on
           each partition joins the old story (num_articles 3, then 4).

Outputs are read with `eventwire tail` (read_committed); the signatures topic's
eventwire.instance header shows which instance made each assignment, so the test fails
(rather than passing vacuously) if one instance processed both copies. Bounded: every wait
has a deadline; the whole test takes about 30 s.
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from confluent_kafka import Consumer, Producer, TopicPartition

WAIT_S = 25
WORK = tempfile.mkdtemp(prefix="eventwire-dedup-sync-")


def fail(msg):
    print(f"FAIL: {msg} (logs in {WORK})", file=sys.stderr)
    sys.exit(1)


# --- articles written for this test ------------------------------------------------------------
REPORT = ("MOMBASA, June 4 - Kenyan dock workers went on strike at the port of Mombasa on Tuesday, "
          "halting the unloading of 14 container ships, and police arrested 23 union members who "
          "blocked the main gate. The Kenya Ports Authority accused the union of breaking a court "
          "order, while union leaders demanded talks with the transport minister over unpaid "
          "overtime. Shipping agents said the stoppage could delay fuel deliveries to Uganda and "
          "Rwanda, which depend on the port for most of their imports. The strike began after "
          "negotiations over a new pay agreement collapsed late on Monday.")
UNRELATED = ("QUITO, June 4 - Ecuador's central bank cut its growth forecast for the year to 1.9 "
             "percent on Tuesday, citing lower oil output and weaker exports of bananas and shrimp. "
             "The finance minister said the government would present a revised budget to the "
             "national assembly next month and promised to protect social spending.")


def article(aid, source, title, text, hour):
    return json.dumps({"id": aid, "source": source, "title": title, "text": text,
                       "published_at": f"2027-06-04T{hour:02d}:00:00Z", "language": "en"}).encode()


def copy_of(aid, source, hour, tail):
    """A syndicated copy: own id and source, edited headline, a boilerplate line added."""
    return article(aid, source, "Strike shuts Mombasa port; police arrest union members",
                   REPORT + "\n\n" + tail, hour)


class Proc:
    """A child process whose combined output goes to a log file."""

    def __init__(self, name, argv, workdir):
        self.name = name
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def json_lines(self, msg):
        out = []
        for line in self.text().splitlines():
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("msg") == msg:
                out.append(j)
        return out

    def stop(self, want_rc=0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = "killed"
        self.log.close()
        if want_rc is not None and rc != want_rc:
            fail(f"{self.name} exited {rc}; log tail:\n{self.text()[-3000:]}")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def wait_for(what, pred, procs=()):
    deadline = time.time() + WAIT_S
    while time.time() < deadline:
        for p in procs:
            if p.proc.poll() is not None:
                fail(f"{p.name} exited {p.proc.returncode} while waiting for {what}; log tail:\n{p.text()[-3000:]}")
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    fail(f"timed out waiting for {what}")


def tail(eventwire, bootstrap, topic):
    r = subprocess.run([eventwire, "tail", "--brokers", bootstrap, "--topic", topic, "--from-beginning",
                        "--timeout-s", "1"], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        fail(f"eventwire tail {topic} exited {r.returncode}: {r.stderr[-1000:]}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def signature_instances(bootstrap, topic):
    """article id -> eventwire.instance header of its signature record."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "sync-check-" + secrets.token_hex(4),
                  "isolation.level": "read_committed", "enable.auto.commit": False,
                  "enable.partition.eof": True})
    parts = [TopicPartition(topic, p, 0) for p in range(2)]
    c.assign(parts)
    out, eof = {}, set()
    deadline = time.time() + WAIT_S
    while len(eof) < len(parts) and time.time() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                eof.add(m.partition())
            continue
        article_id = m.key().decode().split("/", 1)[1]
        out[article_id] = dict(m.headers() or []).get("eventwire.instance", b"").decode()
    c.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eventwire", required=True)
    ap.add_argument("--pipeline", required=True)
    args = ap.parse_args()

    work = WORK
    suffix = secrets.token_hex(4)
    t = {k: f"{k}.{suffix}" for k in ("articles", "events", "stories", "dlq", "signatures")}
    bootstrap = os.environ.get("EVENTWIRE_TEST_BROKERS", "")
    broker = None
    if not bootstrap:
        bootstrap_file = os.path.join(work, "bootstrap")
        broker = Proc("mock-broker", [args.eventwire, "mock-broker", "--bootstrap-file", bootstrap_file,
                                      "--topics", ",".join(t.values()), "--partitions", "2"], work)
    procs = []
    try:
        if broker:
            wait_for("the mock broker", lambda: os.path.exists(bootstrap_file), [broker])
            with open(bootstrap_file) as f:
                bootstrap = f.read().strip()
        print(f"broker {bootstrap} ({'mock' if broker else 'external'})")
        state = {n: os.path.join(work, f"state-{n}") for n in ("a", "b")}

        def start(name):
            p = Proc(f"pipeline-{name}", [
                args.pipeline, "--brokers", bootstrap, "--input-topic", t["articles"],
                "--events-topic", t["events"], "--stories-topic", t["stories"], "--dlq-topic", t["dlq"],
                "--signatures-topic", t["signatures"], "--state-dir", state[name],
                "--group-id", f"sync-{suffix}", "--transactional-id", f"sync-{suffix}-{name}",
                "--partitions", "2", "--session-timeout-ms", "6000", "--batch-max-ms", "50",
                "--max-runtime-s", "80", "--metrics-port", "0", "--health-port", "0"], work)
            procs.append(p)
            return p

        def start_pair():
            a, b = start("a"), start("b")
            # Each instance owns one input partition once both are in the group.
            wait_for("both instances to own a partition",
                     lambda: all(any(j.get("partitions") for j in p.json_lines("partitions assigned"))
                                 for p in (a, b)), [a, b])
            time.sleep(1.0)  # let the cooperative rebalance settle
            return a, b

        producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})

        def produce(partition, value, key):
            producer.produce(t["articles"], value, key=key.encode(), partition=partition,
                             headers=[("content-type", b"application/json")])
            if producer.flush(10) != 0:
                fail("could not produce")

        def story_of(article_id, procs):
            """The newest story record that lists article_id."""
            def find():
                hits = [s for s in tail(args.eventwire, bootstrap, t["stories"])
                        if any(a.get("article_id") == article_id for a in s.get("articles", []))]
                return hits[-1] if hits else None
            return wait_for(f"the story record of {article_id}", find, procs)

        # --- phase 1: two instances, copies on different partitions ---------------------------
        a, b = start_pair()
        produce(0, article("orig", "coast-wire", "Dock strike halts Mombasa port", REPORT, 8), "orig")
        s0 = story_of("orig", [a, b])
        time.sleep(1.5)  # outside the race window: the other instance has applied the signature
        produce(1, copy_of("copy-1", "nairobi-daily", 9, "Copyright Nairobi Daily. All rights reserved."),
                "copy-1")
        produce(1, article("other", "andes-post", "Ecuador cuts growth forecast", UNRELATED, 9), "other")
        s1 = story_of("copy-1", [a, b])
        s_other = story_of("other", [a, b])
        inst = signature_instances(bootstrap, t["signatures"])
        if inst.get("orig") == inst.get("copy-1"):
            fail(f"one instance made both assignments ({inst}); the test did not exercise two instances")
        if s1["story_id"] != s0["story_id"]:
            fail(f"the copy read by the other instance opened story {s1['story_id']}, "
                 f"not the original's {s0['story_id']}")
        if s1.get("num_articles") != 2 or s1.get("num_sources") != 2:
            fail(f"joined story counts {s1.get('num_articles')} articles / {s1.get('num_sources')} sources, want 2/2")
        if s_other["story_id"] == s0["story_id"]:
            fail("the unrelated report joined the story")
        events = tail(args.eventwire, bootstrap, t["events"])
        story_events = [e for e in events if e.get("story_id") == s0["story_id"]]
        if not story_events:
            fail(f"no events for the story; events: {events}")
        if any(e.get("article_id") != "orig" for e in story_events):
            fail("events were extracted from a duplicate copy")
        print(f"phase 1 ok: orig by {inst.get('orig')}, copy-1 by {inst.get('copy-1')} -> one story "
              f"{s0['story_id']} (2 articles, 2 sources), {len(story_events)} events from orig only")

        # --- phase 2: restart; A from its snapshot, B from the topic ---------------------------
        a.stop()
        b.stop()
        snapshot = os.path.join(state["a"], t["signatures"] + ".snapshot")
        if not os.path.exists(snapshot):
            fail(f"instance A wrote no snapshot at {snapshot}")
        shutil.rmtree(state["b"], ignore_errors=True)
        a, b = start_pair()
        ra, rb = a.json_lines("dedup state restored"), b.json_lines("dedup state restored")
        if not ra or ra[-1].get("from_snapshot") != "true":
            fail(f"A did not restore from its snapshot: {ra}")
        if not rb or rb[-1].get("from_snapshot") != "false" or int(rb[-1].get("records_applied", 0)) < 3:
            fail(f"B did not restore from the signatures topic: {rb}")
        print(f"restored: A snapshot {ra[-1].get('snapshot_bytes')} bytes + {ra[-1].get('records_read')} "
              f"topic records; B {rb[-1].get('records_applied')} topic records")

        produce(0, copy_of("copy-2", "lake-herald", 10, "Reporting by our correspondent."), "copy-2")
        s2 = story_of("copy-2", [a, b])
        time.sleep(1.5)
        produce(1, copy_of("copy-3", "rift-times", 11, "This article first appeared on the wire."), "copy-3")
        s3 = story_of("copy-3", [a, b])
        inst = signature_instances(bootstrap, t["signatures"])
        if inst.get("copy-2") == inst.get("copy-3"):
            fail(f"one instance made both assignments after the restart ({inst})")
        for s, n, aid in ((s2, 3, "copy-2"), (s3, 4, "copy-3")):
            if s["story_id"] != s0["story_id"]:
                fail(f"after the restart {aid} opened story {s['story_id']}, not {s0['story_id']}")
            if s.get("num_articles") != n:
                fail(f"after {aid} the story counts {s.get('num_articles')} articles, want {n}")
        events = tail(args.eventwire, bootstrap, t["events"])
        if any(e.get("article_id", "").startswith("copy-") for e in events):
            fail("events were extracted from a copy after the restart")
        print(f"phase 2 ok: copy-2 by {inst.get('copy-2')}, copy-3 by {inst.get('copy-3')} joined "
              f"{s0['story_id']} (3, then 4 articles)")
        a.stop()
        b.stop()
        print("ok")
        shutil.rmtree(work, ignore_errors=True)  # kept on failure, for the logs
    finally:
        for p in procs:
            p.kill()
        if broker:
            broker.stop(want_rc=None)


if __name__ == "__main__":
    main()
