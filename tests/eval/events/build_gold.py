#!/usr/bin/python3
"""Compiles the hand-written gold sources (src/*.txt, a compact line format that
is quick to write and review) into the JSON lines the evaluation reads
(sentences.jsonl, articles.jsonl). See README.md for both formats.

  build_gold.py            rewrite the .jsonl files
  build_gold.py --check    fail if the .jsonl files are out of date or a source is malformed
  build_gold.py --stats    also print counts per set and per CAMEO root
"""
import datetime as dt
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "src")
ISO_3166 = "/usr/share/iso-codes/json/iso_3166-1.json"

# Roles an actor code may carry after its country prefix (CAMEO actor codebook).
ROLES = {"GOV", "MIL", "REB", "INS", "OPP", "PTY", "COP", "JUD", "LEG", "CVL", "BUS", "MED", "EDU",
         "HLH", "REF", "LAB", "AGR", "CRM", "SPY", "SEP", "UAF", "HRI", "NGO", "ELI", "ENV", "DEV", "IGO"}
# Known groups used in the gold (README.md lists who they are).
GROUPS = {"TAL", "TTP", "IS", "ALQ", "SHB", "BOK", "HMS", "HEZ", "HOU", "PKK", "HTS", "BLA", "RSF",
          "M23", "JNM", "UNO", "EEC", "NAT", "AFU", "ARL", "ASN", "ICC", "IRC", "AMN", "HRW", "MSF",
          "WFP", "IMF", "WBK", "OPC", "IAE", "ECW", "ARA", "FAR", "ELN", "ISK", "OAS", "WHO", "GCC"}
ROOTS = {f"{r:02d}" for r in range(1, 21)}


class GoldError(Exception):
    pass


def load_countries():
    try:
        with open(ISO_3166, encoding="utf-8") as f:
            return {c["alpha_3"] for c in json.load(f)["3166-1"]}
    except OSError:
        raise GoldError(f"{ISO_3166} missing: install Debian's iso-codes")


COUNTRIES = None


def parse_actor(tok, where):
    tok = tok.strip()
    if tok == "-":
        return None
    codings = []
    for alt in tok.split("|"):
        alt = alt.strip()
        if alt.startswith("#"):
            group, _, country = alt[1:].partition("/")
            if group not in GROUPS:
                raise GoldError(f"{where}: unknown group {group!r}")
            if country and country not in COUNTRIES:
                raise GoldError(f"{where}: unknown country {country!r}")
            codings.append({"code": group, "country_code": country, "role": "", "known_group": group})
            continue
        country, role = alt[:3], alt[3:]
        if country not in COUNTRIES:
            raise GoldError(f"{where}: actor {alt!r} does not start with an ISO 3166 alpha-3 code")
        if role and role not in ROLES:
            raise GoldError(f"{where}: actor {alt!r} has unknown role {role!r}")
        codings.append({"code": alt, "country_code": country, "role": role, "known_group": ""})
    return codings


def parse_location(tok, where):
    tok = tok.strip()
    if tok == "-":
        return None
    names, sep, country = tok.rpartition("/")
    if not sep or country not in COUNTRIES:
        raise GoldError(f"{where}: location {tok!r} must be Name[=Alias...]/ISO3")
    names = [n.strip() for n in names.split("=") if n.strip()]
    if not names:
        raise GoldError(f"{where}: location {tok!r} has no name")
    return {"name": names[0], "aliases": names[1:], "country_code": country}


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def parse_date(tok, pub, where):
    """Resolves a gold date spec against the publication day (see README.md)."""
    tok = tok.strip()
    if tok == "pub":
        return {"date": pub.isoformat(), "precision": "day"}
    if tok == "yesterday":
        return {"date": (pub - dt.timedelta(days=1)).isoformat(), "precision": "day"}
    if tok in WEEKDAYS:  # "on Saturday": the latest such day on or before publication
        back = (pub.weekday() - WEEKDAYS.index(tok)) % 7
        return {"date": (pub - dt.timedelta(days=back)).isoformat(), "precision": "day"}
    if tok == "lastmonth":
        first = pub.replace(day=1) - dt.timedelta(days=1)
        return {"date": f"{first.year:04d}-{first.month:02d}", "precision": "month"}
    if tok == "thismonth":
        return {"date": f"{pub.year:04d}-{pub.month:02d}", "precision": "month"}
    try:
        if len(tok) == 10:
            return {"date": dt.date.fromisoformat(tok).isoformat(), "precision": "day"}
        if len(tok) == 7:
            dt.date.fromisoformat(tok + "-01")
            return {"date": tok, "precision": "month"}
        if len(tok) == 4 and tok.isdigit():
            return {"date": tok, "precision": "year"}
    except ValueError:
        pass
    raise GoldError(f"{where}: bad date {tok!r}")


def parse_casualties(tok, where):
    tok = tok.strip()
    if tok == "-":
        return None
    out = {"killed": 0, "wounded": 0, "missing": 0}
    keys = {"k": "killed", "w": "wounded", "m": "missing"}
    for part in tok.split():
        if part[:1] not in keys or not part[1:].isdigit():
            raise GoldError(f"{where}: bad casualties {tok!r} (use k12 w3 m1)")
        out[keys[part[0]]] = int(part[1:])
    return out


def parse_event(body, pub, where, text, with_evidence):
    # code ; source ; target ; location ; date ; casualties [; evidence]
    fields = [f.strip() for f in body.split(";")]
    want = 7 if with_evidence else 6
    if len(fields) != want:
        raise GoldError(f"{where}: event needs {want} ';'-separated fields, got {len(fields)}: {body!r}")
    code = fields[0]
    if not (code.isdigit() and len(code) in (3, 4) and code[:2] in ROOTS):
        raise GoldError(f"{where}: bad CAMEO code {code!r}")
    event = {
        "cameo_code": code,
        "cameo_root": code[:2],
        "source": parse_actor(fields[1], where),
        "target": parse_actor(fields[2], where),
        "location": parse_location(fields[3], where),
        "event_date": parse_date(fields[4], pub, where),
        "casualties": parse_casualties(fields[5], where),
    }
    evidence = fields[6] if with_evidence else text
    start = text.find(evidence)
    if start < 0:
        raise GoldError(f"{where}: evidence {evidence!r} is not in the text")
    if text.find(evidence, start + 1) >= 0:
        raise GoldError(f"{where}: evidence {evidence!r} occurs twice; make it unique")
    event["evidence"] = {"text": evidence, "start": start, "end": start + len(evidence)}
    return event


OUTLETS = ["Dawn", "Reuters", "Associated Press", "Agence France-Presse", "Al Jazeera", "The Hindu",
           "Kyiv Independent", "Daily Nation", "Premium Times", "BBC News", "The Guardian", "Xinhua"]


SECTIONS = ["World news", "News in brief", "Latest updates", "International", "Top stories"]


def parse_pub(tok, where):
    try:
        return dt.date.fromisoformat(tok.strip())
    except ValueError:
        raise GoldError(f"{where}: bad publication date {tok!r}")


def compile_sentences(path):
    items, pub, cur = [], None, None
    name = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            where = f"{name}:{n}"
            if not line.strip() or line.startswith("#"):
                continue
            tag, _, body = line.partition(" ")
            if tag == "@":
                pub = parse_pub(body, where)
            elif tag == "S":
                if pub is None:
                    raise GoldError(f"{where}: sentence before any '@ date' line")
                if cur is not None and cur["events"] is None:
                    raise GoldError(f"{where}: previous sentence has no E line")
                cur = {"text": body.strip(), "pub": pub, "events": None, "where": where}
                items.append(cur)
            elif tag == "E":
                if cur is None:
                    raise GoldError(f"{where}: E line before any sentence")
                if cur["events"] is None:
                    cur["events"] = []
                if body.strip() == "-":
                    if cur["events"]:
                        raise GoldError(f"{where}: 'E -' after events")
                    continue
                cur["events"].append(parse_event(body, cur["pub"], where, cur["text"], False))
            else:
                raise GoldError(f"{where}: unknown line tag {tag!r}")
    if cur is not None and cur["events"] is None:
        raise GoldError(f"{name}: last sentence has no E line")
    return items


def compile_articles(path):
    arts, cur = [], None
    name = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        lines = list(enumerate(f, 1))
    pending = []
    for n, raw in lines:
        line = raw.rstrip("\n")
        where = f"{name}:{n}"
        if line.startswith("#"):
            continue
        tag, _, body = line.partition(" ")
        if tag == "A":
            meta = dict(kv.split("=", 1) for kv in body.split(" | "))
            for key in ("id", "pub", "source", "title"):
                if key not in meta:
                    raise GoldError(f"{where}: article header needs {key}=")
            cur = {"meta": meta, "paras": [], "events": [], "pub": parse_pub(meta["pub"][:10], where),
                   "where": where}
            arts.append(cur)
        elif tag == "T":
            if cur is None:
                raise GoldError(f"{where}: text before header")
            cur["paras"].append(body)
        elif tag == "E":
            if cur is None:
                raise GoldError(f"{where}: event before header")
            pending.append((cur, body, where))
        elif line.strip():
            raise GoldError(f"{where}: unknown line tag {tag!r}")
    for art in arts:
        art["text"] = "\n\n".join(art["paras"])
    for art, body, where in pending:
        if body.strip() == "-":
            continue
        art["events"].append(parse_event(body, art["pub"], where, art["text"], True))
    return arts


def render():
    global COUNTRIES
    COUNTRIES = load_countries()
    sentences = []
    seen = {}
    for fname in sorted(os.listdir(SRC)):
        if fname.startswith("sentences") and fname.endswith(".txt"):
            sentences += compile_sentences(os.path.join(SRC, fname))
    out_s = []
    for i, s in enumerate(sentences, 1):
        if s["text"] in seen:
            raise GoldError(f"{s['where']}: duplicate of {seen[s['text']]} (the extractor dedups)")
        seen[s["text"]] = s["where"]
        aid = f"sent-{i:04d}"
        out_s.append({
            # A neutral headline: real articles have one, and without it a cleaner may take
            # the only line for the headline and leave no body.
            "article": {"id": aid, "title": SECTIONS[i % len(SECTIONS)], "text": s["text"],
                        "published_at": f"{s['pub'].isoformat()}T12:00:00Z",
                        "source": OUTLETS[i % len(OUTLETS)]},
            "events": s["events"],
        })
    out_a = []
    ids = set()
    for fname in sorted(os.listdir(SRC)):
        if fname.startswith("articles") and fname.endswith(".txt"):
            for a in compile_articles(os.path.join(SRC, fname)):
                m = a["meta"]
                if m["id"] in ids:
                    raise GoldError(f"{a['where']}: duplicate article id {m['id']}")
                ids.add(m["id"])
                pub = m["pub"] if "T" in m["pub"] else m["pub"] + "T09:00:00Z"
                out_a.append({
                    "article": {"id": m["id"], "title": m["title"], "text": a["text"],
                                "published_at": pub, "source": m["source"]},
                    "events": a["events"],
                })
    dump = lambda rows: "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    return {"sentences.jsonl": dump(out_s), "articles.jsonl": dump(out_a)}


def print_stats(files):
    """Counts per set and per CAMEO root, for README.md and BENCHMARKS.md."""
    for name, content in files.items():
        rows = [json.loads(line) for line in content.splitlines()]
        events = [e for r in rows for e in r["events"]]
        per_root = {r: 0 for r in sorted(ROOTS)}
        for e in events:
            per_root[e["cameo_root"]] += 1
        print(f"{name}: {len(rows)} articles ({sum(1 for r in rows if not r['events'])} without events), "
              f"{len(events)} events")
        print("  per root: " + " ".join(f"{r}:{n}" for r, n in per_root.items()))


def main():
    check = "--check" in sys.argv[1:]
    try:
        files = render()
    except GoldError as e:
        print(f"build_gold: {e}", file=sys.stderr)
        return 1
    if "--stats" in sys.argv[1:]:
        print_stats(files)
    stale = []
    for name, content in files.items():
        path = os.path.join(HERE, name)
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != content:
                        stale.append(name)
            except OSError:
                stale.append(name)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(content)
    if stale:
        print(f"build_gold: {', '.join(stale)} out of date with src/; run build_gold.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
