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
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from pipeline_instances import TwoInstances  # noqa: E402


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eventwire", required=True)
    ap.add_argument("--pipeline", required=True)
    args = ap.parse_args()

    with TwoInstances(args.eventwire, args.pipeline, "sync") as run:
        fail = run.fail

        def story_of(article_id):
            """The newest story record that lists article_id."""
            def find():
                hits = [s for s in run.tail("stories")
                        if any(a.get("article_id") == article_id for a in s.get("articles", []))]
                return hits[-1] if hits else None
            return run.wait_for(f"the story record of {article_id}", find)

        # --- phase 1: two instances, copies on different partitions ---------------------------
        a, b = run.start_pair()
        run.produce(0, "orig", article("orig", "coast-wire", "Dock strike halts Mombasa port", REPORT, 8))
        s0 = story_of("orig")
        time.sleep(1.5)  # outside the race window: the other instance has applied the signature
        run.produce(1, "copy-1", copy_of("copy-1", "nairobi-daily", 9, "Copyright Nairobi Daily. All rights reserved."))
        run.produce(1, "other", article("other", "andes-post", "Ecuador cuts growth forecast", UNRELATED, 9))
        s1 = story_of("copy-1")
        s_other = story_of("other")
        inst = run.signature_instances()
        if inst.get("orig") == inst.get("copy-1"):
            fail(f"one instance made both assignments ({inst}); the test did not exercise two instances")
        if s1["story_id"] != s0["story_id"]:
            fail(f"the copy read by the other instance opened story {s1['story_id']}, "
                 f"not the original's {s0['story_id']}")
        if s1.get("num_articles") != 2 or s1.get("num_sources") != 2:
            fail(f"joined story counts {s1.get('num_articles')} articles / {s1.get('num_sources')} sources, want 2/2")
        if s_other["story_id"] == s0["story_id"]:
            fail("the unrelated report joined the story")
        events = run.tail("events")
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
        snapshot = os.path.join(run.state["a"], run.topics["signatures"] + ".snapshot")
        if not os.path.exists(snapshot):
            fail(f"instance A wrote no snapshot at {snapshot}")
        shutil.rmtree(run.state["b"], ignore_errors=True)
        a, b = run.start_pair()
        ra, rb = a.json_lines("dedup state restored"), b.json_lines("dedup state restored")
        if not ra or ra[-1].get("from_snapshot") != "true":
            fail(f"A did not restore from its snapshot: {ra}")
        if not rb or rb[-1].get("from_snapshot") != "false" or int(rb[-1].get("records_applied", 0)) < 3:
            fail(f"B did not restore from the signatures topic: {rb}")
        print(f"restored: A snapshot {ra[-1].get('snapshot_bytes')} bytes + {ra[-1].get('records_read')} "
              f"topic records; B {rb[-1].get('records_applied')} topic records")

        run.produce(0, "copy-2", copy_of("copy-2", "lake-herald", 10, "Reporting by our correspondent."))
        s2 = story_of("copy-2")
        time.sleep(1.5)
        run.produce(1, "copy-3", copy_of("copy-3", "rift-times", 11, "This article first appeared on the wire."))
        s3 = story_of("copy-3")
        inst = run.signature_instances()
        if inst.get("copy-2") == inst.get("copy-3"):
            fail(f"one instance made both assignments after the restart ({inst})")
        for s, n, aid in ((s2, 3, "copy-2"), (s3, 4, "copy-3")):
            if s["story_id"] != s0["story_id"]:
                fail(f"after the restart {aid} opened story {s['story_id']}, not {s0['story_id']}")
            if s.get("num_articles") != n:
                fail(f"after {aid} the story counts {s.get('num_articles')} articles, want {n}")
        events = run.tail("events")
        if any(e.get("article_id", "").startswith("copy-") for e in events):
            fail("events were extracted from a copy after the restart")
        print(f"phase 2 ok: copy-2 by {inst.get('copy-2')}, copy-3 by {inst.get('copy-3')} joined "
              f"{s0['story_id']} (3, then 4 articles)")
        a.stop()
        b.stop()
        print("ok")
        run.passed()  # the logs are kept on failure


if __name__ == "__main__":
    main()
