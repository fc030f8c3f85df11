#!/usr/bin/python3
"""An independent client of eventwire's EventQuery API: Python stubs generated
at run time from proto/ with grpc_tools.protoc, checks against a running
eventwire-query that holds the integration test's data set. Exit 0 when every
check passes."""
import argparse
import importlib
import os
import sys
import tempfile

import grpc
from grpc_tools import protoc


def load_stubs(proto_dir, out_dir):
    protos = [os.path.join(proto_dir, "eventwire", "v1", n)
              for n in ("article.proto", "event.proto", "story.proto", "query.proto")]
    # grpc_tools ships the well-known types (google/protobuf/timestamp.proto).
    wkt = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    includes = ["-I" + proto_dir] + (["-I" + wkt] if os.path.isdir(wkt) else ["-I/usr/include"])
    rc = protoc.main(["protoc"] + includes + ["--python_out=" + out_dir, "--grpc_python_out=" + out_dir] + protos)
    if rc != 0:
        sys.exit("protoc failed: %d" % rc)
    sys.path.insert(0, out_dir)
    return (importlib.import_module("eventwire.v1.query_pb2"),
            importlib.import_module("eventwire.v1.query_pb2_grpc"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--proto-dir", required=True)
    ap.add_argument("--events", type=int, required=True)
    args = ap.parse_args()
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)
            print("FAIL:", what)

    with tempfile.TemporaryDirectory() as tmp:
        q, q_grpc = load_stubs(args.proto_dir, tmp)
        channel = grpc.insecure_channel(args.server)
        stub = q_grpc.EventQueryStub(channel)
        T = 10  # seconds, every call has a deadline

        def list_all(flt, page_size=7):
            events, token = [], ""
            for _ in range(100):
                r = stub.ListEvents(q.ListEventsRequest(filter=flt, page_size=page_size, page_token=token), timeout=T)
                events.extend(r.events)
                token = r.next_page_token
                if not token:
                    break
            return events

        everything = list_all(q.EventFilter())
        ids = [e.event_id for e in everything]
        check(len(ids) == args.events, "paging returns every event (%d of %d)" % (len(ids), args.events))
        check(len(set(ids)) == len(ids), "paging returns no event twice")
        dates = [e.event_date.date for e in everything]
        check(dates == sorted(dates, reverse=True), "default order is event date, newest first")

        def same(flt, predicate, what):
            got = sorted(e.event_id for e in list_all(flt))
            want = sorted(e.event_id for e in everything if predicate(e))
            check(got == want and 0 < len(want) < len(everything), "%s: got %d want %d" % (what, len(got), len(want)))

        same(q.EventFilter(cameo_prefix="19"), lambda e: e.cameo_code.startswith("19"), "cameo_prefix")
        same(q.EventFilter(actor="TAL"),
             lambda e: "TAL" in (e.source.known_group, e.target.known_group), "actor by known group")
        same(q.EventFilter(text="drones"), lambda e: "drones" in e.evidence.sentence, "text search")
        same(q.EventFilter(min_confidence=0.5), lambda e: e.confidence >= 0.5, "min_confidence")
        same(q.EventFilter(place="Kandahar"), lambda e: e.location.name == "Kandahar", "place")

        e = stub.GetEvent(q.GetEventRequest(event_id=ids[0]), timeout=T)
        check(e.event_id == ids[0], "GetEvent returns the event")
        try:
            stub.GetEvent(q.GetEventRequest(event_id="missing"), timeout=T)
            check(False, "GetEvent of a missing id fails")
        except grpc.RpcError as err:
            check(err.code() == grpc.StatusCode.NOT_FOUND, "GetEvent missing -> NOT_FOUND, got %s" % err.code())

        story = stub.GetStory(q.GetStoryRequest(story_id="story-1"), timeout=T)
        check(len(story.articles) == 2 and list(story.sources) == ["outlet-a", "outlet-b"], "GetStory has articles and sources")

        counts = stub.CountEvents(q.CountEventsRequest(group_by="day"), timeout=T)
        check(sum(b.count for b in counts.buckets) == args.events, "CountEvents by day sums to the total")
        check([b.key for b in counts.buckets] == sorted(set(dates)), "day buckets are the event dates, ascending")

        for bad, field in ((q.ListEventsRequest(filter=q.EventFilter(cameo_prefix="1x")), "cameo_prefix"),
                           (q.ListEventsRequest(page_token="%%%"), "page_token"),
                           (q.ListEventsRequest(page_size=100000), "page_size")):
            try:
                stub.ListEvents(bad, timeout=T)
                check(False, "bad %s is refused" % field)
            except grpc.RpcError as err:
                check(err.code() == grpc.StatusCode.INVALID_ARGUMENT and field in err.details(),
                      "bad %s -> INVALID_ARGUMENT naming it (%s: %s)" % (field, err.code(), err.details()))

        # A live tail from a time in the past replays first, then would follow.
        earliest = min(everything, key=lambda e: (e.first_seen.seconds, e.event_id))
        stream = stub.StreamEvents(q.StreamEventsRequest(since=earliest.first_seen), timeout=T)
        replayed = []
        for ev in stream:
            replayed.append(ev.event_id)
            if len(replayed) == 3:
                stream.cancel()
                break
        check(len(replayed) == 3, "StreamEvents since replays stored events (%d)" % len(replayed))

    if failures:
        print("python client: %d checks failed" % len(failures))
        return 1
    print("python client: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
