#!/usr/bin/python3
"""Checks run_eval's scoring on a tiny hand-scored case (gold.jsonl, predictions.jsonl here).

The expected numbers were worked out by hand from the matching rules in ../README.md:
  t-1: 193 for gold 190 (root right, code wrong; REB accepted for gold INS); 112 for gold 111
       with a wrong date; a negated 190 that must be ignored.
  t-2: a fully right 057 (KEN->UGA); a 042 that pairs with the reverse 057 (detected, root wrong);
       a 190 whose evidence overlaps no gold event (spurious).
  t-3: gold group #TAL found as a 3-letter block of AFGINSTAL; "Kunduz Province" matches gold
       "Kunduz"; a day date for a month-precision gold date is wrong.
  t-9: an article id that is not in the gold (ignored).
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_EVAL = os.path.join(os.path.dirname(HERE), "run_eval")

EXPECTED = {
    # metric: (tp, pred, gold)
    "detection": (5, 6, 5),
    "root": (4, 6, 5),
    "code": (2, 6, 5),
    "source": (4, 5, 5),
    "target": (3, 4, 4),
    "location": (3, 3, 4),
    "location_country": (3, 3, 4),
    "date": (2, 4, 5),
    "casualties": (1, 1, 1),
}
EXPECTED_ACC = {"code": 0.5, "source": 1.0, "target": 1.0, "location": 1.0, "date": 0.5,
                "casualties": 1.0}
EXPECTED_ROOTS = {"19": (2, 3, 2), "11": (1, 1, 1), "05": (1, 1, 2), "04": (0, 1, 0)}
EXPECTED_ROOT_F1 = 2 * (4 / 6) * (4 / 5) / (4 / 6 + 4 / 5)


def run(*extra):
    with tempfile.TemporaryDirectory() as tmp:
        out_json = os.path.join(tmp, "scores.json")
        proc = subprocess.run([sys.executable, RUN_EVAL, "--gold", os.path.join(HERE, "gold.jsonl"),
                               "--json", out_json, *extra], capture_output=True, text=True, timeout=60)
        scores = None
        if os.path.exists(out_json):
            with open(out_json, encoding="utf-8") as f:
                scores = json.load(f)
        return proc, scores


def main():
    failures = []
    proc, scores = run("--predictions", os.path.join(HERE, "predictions.jsonl"))
    print(proc.stdout)
    if proc.returncode != 0 or scores is None:
        print(proc.stderr)
        return 1
    got = scores["gold.jsonl"]
    for metric, want in EXPECTED.items():
        have = (got[metric]["tp"], got[metric]["pred"], got[metric]["gold"])
        if have != want:
            failures.append(f"{metric}: got tp/pred/gold {have}, want {want}")
    for field, want in EXPECTED_ACC.items():
        if abs(got["accuracy_on_detected"][field] - want) > 1e-3:
            failures.append(f"accuracy {field}: got {got['accuracy_on_detected'][field]}, want {want:.4f}")
    if abs(got["root"]["f1"] - EXPECTED_ROOT_F1) > 1e-3:
        failures.append(f"root F1 {got['root']['f1']} != {EXPECTED_ROOT_F1:.4f}")
    for root, (tp, pred, gold) in EXPECTED_ROOTS.items():
        r = scores["per_root"].get(root, {}).get("root", {})
        if (r.get("tp"), r.get("pred"), r.get("gold")) != (tp, pred, gold):
            failures.append(f"root {root}: got {r}, want tp/pred/gold {(tp, pred, gold)}")

    # The floor is enforced: root F1 0.727 fails a 0.75 floor with status 1.
    proc, _ = run("--predictions", os.path.join(HERE, "predictions.jsonl"), "--min-root-f1", "0.75")
    if proc.returncode != 1:
        failures.append(f"floor 0.75: exit {proc.returncode}, want 1")

    # Malformed predictions break the evaluation (status 2), they are not scored as empty.
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as bad:
        bad.write('{"article_id": "t-1", "cameo_code": "190"}\nnot json\n')
    try:
        proc, _ = run("--predictions", bad.name)
        if proc.returncode != 2:
            failures.append(f"malformed predictions: exit {proc.returncode}, want 2")
    finally:
        os.unlink(bad.name)

    for f in failures:
        print("FAIL:", f)
    print("scorer self-test:", "FAILED" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
