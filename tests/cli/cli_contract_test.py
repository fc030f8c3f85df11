#!/usr/bin/python3
"""Offline CLI contract of `eventwire clean|dedup|extract` (issue 3).

Drives the built binary as a user would and checks what the contract
promises: field names and shapes of every output line, input order, exit
status (0 ok, 1 a PATH could not be read, 2 usage), per-article errors on
stderr that do not stop the run, stdin JSON lines, directories and every
input format. Articles are written here or read from examples/.

usage: cli_contract_test.py EVENTWIRE_BINARY SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

BIN = None
SRC = None

CLEAN_FIELDS = {"article_id", "title", "text", "dateline", "credit", "language", "sentences"}
DEDUP_FIELDS = {"article_id", "story_id", "duplicate_of", "similarity", "evidence", "is_duplicate"}
EVENT_FIELDS = {"event_id", "article_id", "story_id", "cameo_code", "cameo_root", "quad_class",
                "goldstein", "plover_type", "source", "target", "location", "event_date",
                "casualties", "negated", "modality", "evidence", "confidence", "num_articles",
                "num_sources"}
ACTOR_FIELDS = {"text", "name", "code", "country_code", "role", "known_group"}

# Test articles written for this test (non-ASCII on purpose: offsets are code points).
ARTICLE_A = {
    "id": "t-a", "source": "Test Wire", "title": "Ministers meet in Bogotá",
    "published_at": "2025-04-02T10:00:00Z", "language": "en",
    "text": ("BOGOTÁ, April 2 - Colombia's defence minister met his Ecuadorean counterpart in "
             "Bogotá on Tuesday to discuss security along the shared border. "
             "Officials said the talks in the capital would continue on Thursday. "
             "Ecuador's delegation rejected a proposal to close two crossings."),
}
ARTICLE_B = {
    "id": "t-b", "source": "Other Wire", "title": "Gunmen kill five in São Félix",
    "published_at": "2025-04-03T08:00:00Z",
    "text": ("SÃO FÉLIX, Brazil, April 3 - Gunmen killed five farm workers in an attack near "
             "São Félix do Xingu on Wednesday, police said. Three others were wounded. "
             "State authorities rejected claims that they had ignored earlier threats."),
}


def run(args, stdin=None, check_rc=None):
    env = dict(os.environ, EVENTWIRE_DATA_DIR=os.path.join(SRC, "data"))
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, text=True, timeout=120, env=env)
    if check_rc is not None and p.returncode != check_rc:
        raise AssertionError(f"eventwire {' '.join(args)}: exit {p.returncode}, want {check_rc}\n"
                             f"stderr:\n{p.stderr}")
    return p


def lines(stdout):
    out = []
    for line in stdout.splitlines():
        out.append(json.loads(line))  # every stdout line must be one JSON object
    return out


def write(dir_, name, content):
    path = os.path.join(dir_, name)
    with open(path, "wb" if isinstance(content, bytes) else "w") as f:
        f.write(content)
    return path


class CommandLine(unittest.TestCase):
    def test_help_and_usage_errors(self):
        self.assertIn("clean", run(["--help"], check_rc=0).stdout)
        self.assertEqual(run([]).returncode, 2)
        self.assertEqual(run(["no-such-command"]).returncode, 2)
        for cmd in ("clean", "dedup", "extract"):
            self.assertIn("usage", run([cmd, "--help"], check_rc=0).stdout)
            p = run([cmd, "--no-such-flag"], check_rc=2)
            self.assertIn("--no-such-flag", p.stderr)
            self.assertEqual(p.stdout, "")
        run(["dedup", "--threshold", "1.5"], check_rc=2)
        run(["dedup", "--threshold"], check_rc=2)


class Clean(unittest.TestCase):
    def test_fields_and_offsets(self):
        stdin = json.dumps(ARTICLE_A, ensure_ascii=False) + "\n" + json.dumps(ARTICLE_B) + "\n"
        out = lines(run(["clean"], stdin=stdin, check_rc=0).stdout)
        self.assertEqual([o["article_id"] for o in out], ["t-a", "t-b"])
        for o in out:
            self.assertLessEqual(CLEAN_FIELDS, set(o), o.keys())
            self.assertIsInstance(o["text"], str)
            self.assertTrue(o["text"])
            self.assertIsInstance(o["sentences"], list)
            self.assertGreaterEqual(len(o["sentences"]), 2)
            prev_end = 0
            for s in o["sentences"]:
                self.assertEqual(set(s), {"start", "end"})
                # Code-point offsets into text, ordered and non-overlapping.
                self.assertTrue(prev_end <= s["start"] < s["end"] <= len(o["text"]), (s, len(o["text"])))
                prev_end = s["end"]
        # published_at is RFC 3339 when the input had one.
        self.assertRegex(out[0]["published_at"], r"^2025-04-02T10:00:00Z$")
        # Code-point offsets: a sentence of A starts where the cleaned text says.
        a = out[0]
        sentences = [a["text"][s["start"]:s["end"]] for s in a["sentences"]]
        self.assertTrue(any("Ecuador's delegation rejected" in s for s in sentences), sentences)

    def test_every_file_format_and_directory_order(self):
        with tempfile.TemporaryDirectory() as d:
            sub = os.path.join(d, "b-sub")
            os.mkdir(sub)
            write(d, "a-bare.txt", "Talks resume\n\nNegotiators met in Geneva on Monday.\n")
            write(d, "c-page.html", "<html><body><h1>Protest</h1><p>Thousands marched in Lima on Friday.</p></body></html>")
            write(sub, "one.json", json.dumps({"title": "Visit", "text": "The envoy arrived in Hanoi."}, indent=2))
            write(d, "d-lines.jsonl", json.dumps(ARTICLE_A) + "\n" + json.dumps({"text": "No id here."}) + "\n")
            out = lines(run(["clean", d], check_rc=0).stdout)
        ids = [o["article_id"] for o in out]
        # Sorted by path, recursively; files without an id are named after the file.
        self.assertEqual(ids[:3], ["a-bare.txt", "one.json", "c-page.html"])
        self.assertEqual(ids[3], "t-a")
        self.assertTrue(ids[4].startswith("d-lines.jsonl"), ids[4])
        self.assertEqual(len(ids), len(set(ids)))
        self.assertIn("Lima", out[2]["text"])
        self.assertNotIn("<p>", out[2]["text"])

    def test_bad_inputs_go_to_stderr_and_do_not_stop_the_run(self):
        with tempfile.TemporaryDirectory() as d:
            write(d, "1-good.txt", "Talks resume\n\nNegotiators met in Geneva on Monday.\n")
            write(d, "2-empty.txt", "")
            write(d, "3-broken.json", '{"id": "x", "text": ')
            write(d, "4-binary.bin", bytes(range(256)) * 4)
            write(d, "5-lines.jsonl", '{"id":"l1","text":"First line."}\n{"id":"l2",\n{"id":"l3","text":"Third."}\n')
            write(d, "6-good.json", json.dumps({"id": "last", "text": "Sanctions were announced."}))
            p = run(["clean", d], check_rc=0)
            ids = [o["article_id"] for o in lines(p.stdout)]
            self.assertEqual(ids, ["1-good.txt", "l1", "l3", "last"])
            for name in ("2-empty.txt", "3-broken.json", "4-binary.bin", "5-lines.jsonl"):
                self.assertIn(name, p.stderr)
            # A PATH that does not exist: reported, the others still processed, exit 1.
            p = run(["clean", os.path.join(d, "missing.txt"), os.path.join(d, "6-good.json")], check_rc=1)
            self.assertEqual([o["article_id"] for o in lines(p.stdout)], ["last"])
            self.assertIn("missing.txt", p.stderr)

    def test_stdin_json_lines_and_dash(self):
        stdin = (json.dumps(ARTICLE_A) + "\n\n" + "not json\n" + json.dumps({"id": "s2", "text": "Second."}) + "\n")
        for args in (["clean"], ["clean", "-"]):
            p = run(args, stdin=stdin, check_rc=0)
            self.assertEqual([o["article_id"] for o in lines(p.stdout)], ["t-a", "s2"])
            self.assertIn("stdin:3", p.stderr)


class Dedup(unittest.TestCase):
    def test_fields_order_and_exact_copy(self):
        copy = dict(ARTICLE_A, id="t-a-copy", source="Copy Wire")
        stdin = "".join(json.dumps(a) + "\n" for a in (ARTICLE_A, ARTICLE_B, copy))
        out = lines(run(["dedup"], stdin=stdin, check_rc=0).stdout)
        self.assertEqual([o["article_id"] for o in out], ["t-a", "t-b", "t-a-copy"])
        for o in out:
            self.assertLessEqual(DEDUP_FIELDS, set(o), o.keys())
            self.assertIsInstance(o["similarity"], (int, float))
            self.assertIsInstance(o["evidence"], dict)
            self.assertTrue(o["story_id"])
        a, b, c = out
        self.assertEqual(a["duplicate_of"], "")
        self.assertFalse(a["is_duplicate"])
        self.assertNotEqual(a["story_id"], b["story_id"])
        # An exact copy under another id must join the first article's story.
        self.assertTrue(c["is_duplicate"])
        self.assertEqual(c["duplicate_of"], "t-a")
        self.assertEqual(c["story_id"], a["story_id"])


class Extract(unittest.TestCase):
    def check_event(self, e):
        self.assertLessEqual(EVENT_FIELDS, set(e), sorted(EVENT_FIELDS - set(e)))
        self.assertRegex(e["cameo_code"], r"^[0-9]{2,4}$")  # a string: leading zeros kept
        self.assertEqual(e["cameo_root"], e["cameo_code"][:2])
        self.assertIn(e["quad_class"], (1, 2, 3, 4))
        self.assertTrue(-10 <= e["goldstein"] <= 10)
        self.assertTrue(0 <= e["confidence"] <= 1)
        for role in ("source", "target"):
            self.assertLessEqual(ACTOR_FIELDS, set(e[role]), e[role])
            code = e[role]["country_code"]
            self.assertTrue(code == "" or re.fullmatch(r"[A-Z]{3}", code), code)
        self.assertIn("precision", e["event_date"])
        self.assertIsInstance(e["negated"], bool)
        self.assertGreaterEqual(e["num_articles"], 1)
        for f in ("sentence", "start", "end"):
            self.assertIn(f, e["evidence"])

    def test_events_from_examples(self):
        examples = os.path.join(SRC, "examples")
        if not os.path.isdir(examples):
            self.skipTest("no examples/ directory")
        extract = run(["extract", examples], check_rc=0)
        events = lines(extract.stdout)
        self.assertGreater(len(events), 0, extract.stderr)
        for e in events:
            self.check_event(e)
        self.assertEqual(len({e["event_id"] for e in events}), len(events), "event ids must be unique")
        # Deterministic: the same input gives the same output.
        self.assertEqual(run(["extract", examples], check_rc=0).stdout, extract.stdout)

        # Events come from the first article of a story only, and their evidence
        # offsets are code points into that article's cleaned text.
        decisions = lines(run(["dedup", examples], check_rc=0).stdout)
        firsts = {d["article_id"] for d in decisions if not d["is_duplicate"]}
        story_of = {d["article_id"]: d["story_id"] for d in decisions}
        texts = {c["article_id"]: c["text"] for c in lines(run(["clean", examples], check_rc=0).stdout)}
        for e in events:
            self.assertIn(e["article_id"], firsts)
            self.assertEqual(e["story_id"], story_of[e["article_id"]])
            ev = e["evidence"]
            text = texts[e["article_id"]]
            self.assertTrue(0 <= ev["start"] < ev["end"] <= len(text), ev)
            self.assertEqual(text[ev["start"]:ev["end"]].strip(), ev["sentence"].strip())

    def test_offsets_are_code_points_with_non_ascii_text(self):
        stdin = json.dumps(ARTICLE_B, ensure_ascii=False) + "\n"
        events = lines(run(["extract"], stdin=stdin, check_rc=0).stdout)
        text = lines(run(["clean"], stdin=stdin, check_rc=0).stdout)[0]["text"]
        self.assertGreater(len(events), 0, "an attack with five killed must yield an event")
        for e in events:
            self.check_event(e)
            ev = e["evidence"]
            self.assertEqual(text[ev["start"]:ev["end"]].strip(), ev["sentence"].strip())


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    BIN, SRC = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1] + sys.argv[3:], verbosity=2)
