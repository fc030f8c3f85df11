#!/usr/bin/python3
"""Events merged across pipeline instances and across restarts (services/pipeline: EventMerger
state on the signatures topic, docs/dedup.md "Events merged across stories").

On one `eventwire mock-broker` (or $EVENTWIRE_TEST_BROKERS), pipeline processes A and B join one
consumer group on a 2-partition input topic, with --signatures-topic and a --state-dir each.
Reports of one signing by different outlets, in their own words (different stories), go to
different partitions, a little apart (outside the race window):

  phase 1  r1 on partition 0, r2 on partition 1: r2's report is published as a new version of
           r1's event (same event_id, version + 1, r2's story in related_story_ids, both outlets),
           made by the other instance than r1's;
  phase 2  both stopped (SIGTERM: snapshots), B's state dir deleted, both started again (A from
           its snapshot, B from the topic alone); r4 on partition 1, then r5 on partition 0: each
           is one more version of the same event, no event of their own for it.

Checked throughout: each (event_id, version) is published once. Bounded: every wait has a
deadline; about 30 s.
"""
import argparse
import collections
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from pipeline_instances import TwoInstances  # noqa: E402


# --- reports written for this test: one signing, four outlets -----------------------------------
REPORTS = {
    "r1": ("lima-news", "2027-03-05T09:30:00Z",
           "LIMA, March 5 - The foreign ministers of Peru and Chile signed an agreement on shared water "
           "resources in Lima on Friday. Peru's president praised the accord and said both countries "
           "would cooperate on border development."),
    "r2": ("andes-times", "2027-03-05T18:00:00Z",
           "The foreign ministers of Peru and Chile signed an agreement in Lima on Friday to share the "
           "rivers along their border. Farmers in the dry valleys of the south have waited a decade "
           "for the deal, a regional growers union said in a statement."),
    "r4": ("valley-herald", "2027-03-06T12:00:00Z",
           "The foreign ministers of Peru and Chile signed a water sharing agreement in Lima on Friday, "
           "officials said. Olive growers near the border said they hoped the pact would end years of "
           "shortages during the dry summer months."),
    "r5": ("border-radio", "2027-03-06T15:00:00Z",
           "The foreign ministers of Peru and Chile signed an agreement on river water in Lima on "
           "Friday, the two governments said in a joint statement. Engineers from both countries will "
           "start measuring flows at six stations next year."),
}


def article(aid):
    source, published, text = REPORTS[aid]
    return json.dumps({"id": aid, "source": source, "title": "Water accord", "text": text,
                       "published_at": published, "language": "en"}).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eventwire", required=True)
    ap.add_argument("--pipeline", required=True)
    args = ap.parse_args()

    with TwoInstances(args.eventwire, args.pipeline, "merge") as run:
        fail = run.fail

        def story_of(aid):
            def find():
                hits = [s for s in run.tail("stories")
                        if any(a.get("article_id") == aid for a in s.get("articles", []))]
                return hits[-1] if hits else None
            return run.wait_for(f"the story record of {aid}", find)

        def merged_event(first_story, reports, event_id=None):
            """The newest version of an event of first_story (event_id, if given) that names
            `reports` stories merged in."""
            def find():
                events = run.tail("events")
                seen = collections.Counter((e["event_id"], int(e.get("version", 0))) for e in events)
                if any(c > 1 for c in seen.values()):
                    fail(f"an (event_id, version) was published twice: {[k for k, c in seen.items() if c > 1]}")
                hits = [e for e in events if e.get("story_id") == first_story
                        and event_id in (None, e["event_id"])
                        and len(e.get("related_story_ids", [])) >= reports]
                return (hits[-1], events) if hits else None
            return run.wait_for(f"{first_story}'s event with {reports} merged report(s)", find)

        def made_by_two(x, y):
            inst = run.signature_instances()
            if not inst.get(x) or inst.get(x) == inst.get(y):
                fail(f"{x} and {y} were not processed by two instances ({inst}); the test did not "
                     "exercise merging across instances")
            return inst

        # --- phase 1: two instances, reports on different partitions -------------------------
        a, b = run.start_pair()
        run.produce(0, "r1", article("r1"))
        s1 = story_of("r1")
        time.sleep(1.5)  # outside the race window: the other instance has applied r1's records
        run.produce(1, "r2", article("r2"))
        s2 = story_of("r2")
        if s2["story_id"] == s1["story_id"]:
            fail("r2 joined r1's story: the test needs two stories (reports in their own words)")
        event, events = merged_event(s1["story_id"], 1)
        if event["related_story_ids"] != [s2["story_id"]]:
            fail(f"merged event names {event['related_story_ids']}, want [{s2['story_id']}]")
        if set(event["sources"]) != {"lima-news", "andes-times"}:
            fail(f"merged event's sources {event['sources']}")
        first = min(int(e.get("version", 0)) for e in events if e["event_id"] == event["event_id"])
        if int(event["version"]) != first + 1:
            fail(f"merged event version {event['version']}, want {first + 1}")
        own = [e for e in events if e.get("story_id") == s2["story_id"] and e.get("cameo_code") == event["cameo_code"]
               and e["source"].get("code") == event["source"].get("code")]
        if own:
            fail(f"r2 also published an event of its own for the merged one: {own[0]['event_id']}")
        inst = made_by_two("r1", "r2")
        print(f"phase 1 ok: r2's report (by {inst['r2']}) is version {event['version']} of "
              f"{event['event_id']} (r1's, by {inst['r1']}); sources {event['sources']}")

        # --- phase 2: restart; A from its snapshot, B from the topic --------------------------
        a.stop()
        b.stop()
        if not os.path.exists(os.path.join(run.state["a"], run.topics["signatures"] + ".snapshot")):
            fail("instance A wrote no snapshot")
        shutil.rmtree(run.state["b"], ignore_errors=True)
        a, b = run.start_pair()
        ra, rb = a.json_lines("dedup state restored"), b.json_lines("dedup state restored")
        if not ra or ra[-1].get("from_snapshot") != "true" or int(ra[-1].get("merged_events_held", 0)) < 1:
            fail(f"A did not restore the merger from its snapshot: {ra}")
        if not rb or rb[-1].get("from_snapshot") != "false" or int(rb[-1].get("merged_events_held", 0)) < 1:
            fail(f"B did not restore the merger from the signatures topic: {rb}")
        run.produce(1, "r4", article("r4"))
        story_of("r4")
        event4, _ = merged_event(s1["story_id"], 2, event["event_id"])
        time.sleep(1.5)
        run.produce(0, "r5", article("r5"))
        story_of("r5")
        event5, events = merged_event(s1["story_id"], 3, event["event_id"])
        inst = made_by_two("r4", "r5")
        for e, n in ((event4, 2), (event5, 3)):
            if e["event_id"] != event["event_id"] or int(e["version"]) != int(event["version"]) + n - 1:
                fail(f"after the restart: {e['event_id']} version {e['version']}, want {event['event_id']} "
                     f"version {int(event['version']) + n - 1}")
        if set(event5["sources"]) != {"lima-news", "andes-times", "valley-herald", "border-radio"}:
            fail(f"sources after the restart: {event5['sources']}")
        print(f"phase 2 ok (a restored from its snapshot, b from the topic): r4 (by {inst['r4']}) and r5 "
              f"(by {inst['r5']}) are versions {event4['version']} and {event5['version']} of {event['event_id']}")
        a.stop()
        b.stop()
        print("ok")
        run.passed()  # the logs are kept on failure


if __name__ == "__main__":
    main()
