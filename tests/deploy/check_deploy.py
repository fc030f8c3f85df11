#!/usr/bin/python3
"""Offline checks of deploy/: one subcommand per ctest test (tests/deploy/CMakeLists.txt).

  render     kubectl kustomize renders every overlay; the objects hang together
             (selectors, probes, security context, config maps, topics, KEDA target)
  lint       yamllint -s over deploy/ sources and every rendered overlay
  rules      promtool check rules / test rules, PrometheusRule == alerts.yml,
             promtool check config, alerts use only exported metrics
  dashboard  the Grafana JSON parses, is dashboard.py's output, queries only
             exported metrics; provisioning points at it
  metrics    promtool check metrics on each service's exposition; docs/metrics.md
             documents every family
  container  Dockerfile and compose.yaml: stages, non-root, runtime libraries
             cover `ldd` of the built binaries, every flag and config key the
             deployment passes is one the binaries accept

"Exported metrics" come from a live /metrics scrape of each service binary when
it serves one (--pipeline/--query, flag --metrics-port in its --help), else
from the families libs/telemetry declares (--catalog). Each run says which.
Exit status 0 = pass; failures are listed on stderr.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")
OVERLAYS = ["dev", "prod"]
# Metrics alerts may use that the services do not export themselves.
EXTERNAL_METRICS = {"kube_pod_container_status_restarts_total", "up"}

failures = []


def fail(msg):
    failures.append(msg)
    print(f"FAIL {msg}", file=sys.stderr)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def render(overlay):
    r = run(["kubectl", "kustomize", os.path.join(DEPLOY, "k8s", "overlays", overlay)])
    if r.returncode != 0:
        fail(f"kubectl kustomize {overlay}: {r.stderr.strip()}")
        return None, []
    return r.stdout, [d for d in yaml.safe_load_all(r.stdout) if d]


def read_conf(path):
    """eventwire config-file keys ("key = value", '#' comments)."""
    keys = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                k, _, v = line.partition("=")
                keys[k.strip()] = v.strip()
    return keys


# --- render ------------------------------------------------------------------------------------

def check_objects(overlay, docs):
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    for kind, count in [("Deployment", 2), ("Service", 2), ("ConfigMap", 2),
                        ("PodDisruptionBudget", 2), ("ScaledObject", 1), ("ServiceMonitor", 1),
                        ("PrometheusRule", 1), ("KafkaTopic", 5), ("ServiceAccount", 1)]:
        check(len(by_kind.get(kind, [])) == count,
              f"{overlay}: expected {count} {kind}, found {len(by_kind.get(kind, []))}")
    namespace = {"dev": "eventwire-dev", "prod": "eventwire"}[overlay]
    for d in docs:
        if d["kind"] != "KafkaTopic":
            check(d["metadata"].get("namespace") == namespace,
                  f"{overlay}: {d['kind']}/{d['metadata']['name']} not in namespace {namespace}")
    configmaps = {c["metadata"]["name"]: c for c in by_kind.get("ConfigMap", [])}
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
    services = by_kind.get("Service", [])

    for name, dep in deployments.items():
        where = f"{overlay}: Deployment/{name}"
        pod = dep["spec"]["template"]
        labels = pod["metadata"]["labels"]
        sel = dep["spec"]["selector"]["matchLabels"]
        check(all(labels.get(k) == v for k, v in sel.items()), f"{where}: selector does not match pod labels")
        spec = pod["spec"]
        psc = spec.get("securityContext", {})
        check(psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) > 0, f"{where}: pod not non-root")
        check(spec.get("automountServiceAccountToken") is False, f"{where}: service account token mounted")
        grace = spec.get("terminationGracePeriodSeconds", 30)
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for c in spec["containers"]:
            cw = f"{where}/{c['name']}"
            sc = c.get("securityContext", {})
            check(sc.get("readOnlyRootFilesystem") is True, f"{cw}: root filesystem writable")
            check(sc.get("allowPrivilegeEscalation") is False, f"{cw}: privilege escalation allowed")
            check(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{cw}: capabilities not dropped")
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                check(probe in c, f"{cw}: no {probe}")
            res = c.get("resources", {})
            check("cpu" in res.get("requests", {}) and "memory" in res.get("requests", {}),
                  f"{cw}: cpu/memory requests missing")
            check("memory" in res.get("limits", {}), f"{cw}: memory limit missing")
            ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
            check({"metrics", "health"} <= set(ports), f"{cw}: metrics/health ports missing")
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                p = c.get(probe, {})
                port = p.get("httpGet", {}).get("port") or p.get("grpc", {}).get("port")
                check(port in ports or port in ports.values(), f"{cw}: {probe} port {port} not declared")
            check(c["image"].startswith("ghcr.io/eventwire/eventwire:"), f"{cw}: image {c['image']}")
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            check("/tmp" in mounts, f"{cw}: no writable /tmp with a read-only root")
            conf_arg = c.get("args", [])
            check("--config" in conf_arg, f"{cw}: no --config")
            if "--config" in conf_arg:
                conf_path = conf_arg[conf_arg.index("--config") + 1]
                vol = volumes.get(mounts.get(os.path.dirname(conf_path), ""), {})
                cm = vol.get("configMap", {}).get("name")
                check(cm in configmaps, f"{cw}: config volume refers to missing ConfigMap {cm}")
                if cm in configmaps:
                    check(os.path.basename(conf_path) in configmaps[cm]["data"],
                          f"{cw}: {conf_path} not a key of ConfigMap {cm}")
            # Config keys that are themselves ports must agree with the declared ports.
            if cm in configmaps:
                conf_text = configmaps[cm]["data"][os.path.basename(conf_path)]
                with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as tmp:
                    tmp.write(conf_text)
                conf = read_conf(tmp.name)
                os.unlink(tmp.name)
                check(int(conf.get("metrics-port", -1)) == ports.get("metrics"),
                      f"{cw}: metrics-port in config != containerPort")
                check(int(conf.get("health-port", -1)) == ports.get("health"),
                      f"{cw}: health-port in config != containerPort")
                check(int(conf.get("shutdown-timeout-s", 10**9)) < grace,
                      f"{cw}: shutdown-timeout-s not below terminationGracePeriodSeconds {grace}")
        check(any(all(labels.get(k) == v for k, v in s["spec"]["selector"].items()) for s in services),
              f"{where}: no Service selects its pods")

    for pdb in by_kind.get("PodDisruptionBudget", []):
        sel = pdb["spec"]["selector"]["matchLabels"]
        check(any(all(d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in sel.items())
                  for d in deployments.values()),
              f"{overlay}: PDB/{pdb['metadata']['name']} selects no pods")

    for so in by_kind.get("ScaledObject", []):
        target = so["spec"]["scaleTargetRef"]["name"]
        check(target in deployments, f"{overlay}: ScaledObject targets missing Deployment {target}")
        trig = so["spec"]["triggers"][0]
        check(trig["type"] == "kafka", f"{overlay}: ScaledObject trigger is not kafka")
        topics = {t["spec"]["topicName"]: t for t in by_kind.get("KafkaTopic", [])}
        topic = trig["metadata"]["topic"]
        check(topic in topics, f"{overlay}: KEDA watches {topic}, not a KafkaTopic")
        if topic in topics:
            check(so["spec"]["maxReplicaCount"] <= topics[topic]["spec"]["partitions"],
                  f"{overlay}: maxReplicaCount above the partitions of {topic}")
        pipeline_cm = next((c for n, c in configmaps.items() if n.startswith("eventwire-pipeline-config")), None)
        if pipeline_cm:
            with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as tmp:
                tmp.write(pipeline_cm["data"]["pipeline.conf"])
            conf = read_conf(tmp.name)
            os.unlink(tmp.name)
            check(trig["metadata"]["consumerGroup"] == conf.get("group-id"),
                  f"{overlay}: KEDA consumer group != pipeline group-id")
            for key in ("input-topic", "events-topic", "stories-topic", "dlq-topic", "signatures-topic"):
                check(conf.get(key) in topics, f"{overlay}: {key} {conf.get(key)} has no KafkaTopic")

    for sm in by_kind.get("ServiceMonitor", []):
        values = sm["spec"]["selector"]["matchExpressions"][0]["values"]
        port = sm["spec"]["endpoints"][0]["port"]
        for v in values:
            svc = [s for s in services if s["metadata"]["labels"].get("app.kubernetes.io/name") == v]
            check(svc and any(p["name"] == port for p in svc[0]["spec"]["ports"]),
                  f"{overlay}: ServiceMonitor expects Service {v} with port {port}")


def cmd_render(args):
    for overlay in OVERLAYS:
        _, docs = render(overlay)
        if docs:
            check_objects(overlay, docs)
            print(f"{overlay}: {len(docs)} objects rendered and cross-checked")


# --- lint ---------------------------------------------------------------------------------------

def cmd_lint(args):
    conf = os.path.join(DEPLOY, ".yamllint")
    r = run(["yamllint", "-s", "-c", conf, DEPLOY])
    check(r.returncode == 0, f"yamllint deploy/:\n{r.stdout}{r.stderr}")
    for overlay in OVERLAYS:
        text, _ = render(overlay)
        if text is None:
            continue
        r = run(["yamllint", "-s", "-c", conf, "-"], input=text)
        check(r.returncode == 0, f"yamllint rendered {overlay}:\n{r.stdout}")
    print("yamllint: deploy/ sources and rendered overlays clean")


# --- exported metrics ---------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


def serves_metrics(binary):
    r = run([binary, "--help"])
    return "--metrics-port" in r.stdout + r.stderr


def live_scrape(service, binary, workdir):
    """Starts the service binary (embedded mock broker) and returns one /metrics scrape."""
    metrics_port, health_port = free_port(), free_port()
    cmd = [binary, "--metrics-port", str(metrics_port), "--health-port", str(health_port),
           "--listen-host", "127.0.0.1"]
    if service == "query":
        cmd += ["--grpc-port", "0", "--port-file", os.path.join(workdir, "grpc.port"),
                "--db-path", os.path.join(workdir, "query.db")]
    log = open(os.path.join(workdir, f"{service}.log"), "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    try:
        # Series such as the per-partition lag appear once the consumer has joined: scrape
        # when /readyz says so (or after 20 s, whatever the scrape then holds).
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            status = http_status(f"http://127.0.0.1:{health_port}/readyz")
            if status == 200:
                break
            time.sleep(0.2)
        # The lag series follow librdkafka's statistics (every second), which may lag the
        # readiness flip by one interval: wait for them a little, then take what is there.
        deadline = time.monotonic() + 30
        lag_deadline = time.monotonic() + 10
        text = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2) as resp:
                    text = resp.read().decode()
            except OSError:
                time.sleep(0.2)
                continue
            if "eventwire_consumer_lag_messages{" in text or time.monotonic() > lag_deadline:
                return text
            time.sleep(0.2)
        if text is not None:
            return text
        fail(f"{service}: no /metrics on port {metrics_port} within 30s "
             f"(exit {proc.poll()}); log:\n{open(log.name).read()[-2000:]}")
        return None
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def expositions(args):
    """{service: (source, text)} for pipeline and query."""
    out = {}
    workdir = tempfile.mkdtemp(prefix="eventwire-deploy-")
    try:
        for service in ("pipeline", "query"):
            binary = getattr(args, service)
            text, source = None, None
            if binary and os.path.exists(binary) and serves_metrics(binary):
                text, source = live_scrape(service, binary, workdir), f"live scrape of {binary}"
            if text is None:
                r = run([args.catalog, service])
                check(r.returncode == 0, f"metrics_catalog {service}: {r.stderr}")
                text, source = r.stdout, "libs/telemetry declarations (metrics_catalog)"
            print(f"{service} metrics: {source}")
            out[service] = (source, text)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def families(text):
    """{family name: type} from # TYPE lines."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^# TYPE (\S+) (\S+)$", text, re.M)}


def exported_names(exps):
    """Every series name a PromQL query may use: families plus histogram suffixes."""
    names = set()
    for _, text in exps.values():
        for name, kind in families(text).items():
            names.add(name)
            if kind == "histogram":
                names |= {name + "_bucket", name + "_sum", name + "_count"}
    return names


def metric_names_in(expr):
    return set(re.findall(r"\b((?:eventwire|kube)_[a-z0-9_]+)\b", expr))


# --- rules --------------------------------------------------------------------------------------

def cmd_rules(args):
    alerts = os.path.join(DEPLOY, "prometheus", "alerts.yml")
    r = run(["promtool", "check", "rules", alerts])
    check(r.returncode == 0, f"promtool check rules alerts.yml:\n{r.stdout}{r.stderr}")
    print(r.stdout.strip())
    with open(alerts) as f:
        groups = yaml.safe_load(f)
    for overlay in OVERLAYS:
        _, docs = render(overlay)
        rules = [d for d in docs if d["kind"] == "PrometheusRule"]
        if not check(len(rules) == 1, f"{overlay}: no PrometheusRule"):
            continue
        check(rules[0]["spec"] == groups,
              f"{overlay}: PrometheusRule spec differs from deploy/prometheus/alerts.yml")
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as tmp:
            yaml.safe_dump(rules[0]["spec"], tmp)
        r = run(["promtool", "check", "rules", tmp.name])
        os.unlink(tmp.name)
        check(r.returncode == 0, f"{overlay}: promtool check rules on PrometheusRule:\n{r.stdout}{r.stderr}")
    names = {a["alert"] for g in groups["groups"] for a in g["rules"]}
    for required in ("EventwireConsumerLagGrowing", "EventwireDeadLetterRateHigh",
                     "EventwireTransactionAborts", "EventwireNoEventsProduced", "EventwirePodRestarting"):
        check(required in names, f"alert {required} missing")

    # Unit tests of the alert expressions: they fire, and only when they should.
    tests = os.path.join(os.path.dirname(os.path.abspath(__file__)), "alerts_test.yml")
    work = tempfile.mkdtemp(prefix="eventwire-rules-")
    try:
        shutil.copy(alerts, os.path.join(work, "alerts.yml"))
        shutil.copy(tests, os.path.join(work, "alerts_test.yml"))
        r = run(["promtool", "test", "rules", "alerts_test.yml"], cwd=work)
        check(r.returncode == 0, f"promtool test rules:\n{r.stdout}{r.stderr}")
        print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "")
        # The compose Prometheus config, with its rule file path made local.
        with open(os.path.join(DEPLOY, "prometheus", "prometheus.yml")) as f:
            cfg = yaml.safe_load(f)
        cfg["rule_files"] = [os.path.join(work, "alerts.yml")]
        with open(os.path.join(work, "prometheus.yml"), "w") as f:
            yaml.safe_dump(cfg, f)
        r = run(["promtool", "check", "config", os.path.join(work, "prometheus.yml")])
        check(r.returncode == 0, f"promtool check config prometheus.yml:\n{r.stdout}{r.stderr}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    exported = exported_names(expositions(args))
    for g in groups["groups"]:
        for a in g["rules"]:
            for name in metric_names_in(a["expr"]):
                check(name in exported or name in EXTERNAL_METRICS,
                      f"alert {a['alert']} uses {name}, which no service exports")
    print(f"{len(names)} alerts checked")


# --- dashboard ----------------------------------------------------------------------------------

def cmd_dashboard(args):
    path = os.path.join(DEPLOY, "grafana", "dashboards", "eventwire.json")
    with open(path) as f:
        text = f.read()
    try:
        dash = json.loads(text)
    except json.JSONDecodeError as e:
        fail(f"{path}: {e}")
        return
    r = run([sys.executable, os.path.join(DEPLOY, "grafana", "dashboard.py")])
    check(r.returncode == 0 and r.stdout == text,
          "dashboards/eventwire.json is not dashboard.py's output: rerun deploy/grafana/dashboard.py")
    titles = [p["title"] for p in dash["panels"]]
    for wanted in ("Throughput", "Consumer lag by partition", "Stage latency p50 / p99",
                   "Duplicates ratio", "Events by CAMEO root", "DLQ by reason", "Errors"):
        check(wanted in titles, f"dashboard has no panel {wanted!r}")
    ids = [p["id"] for p in dash["panels"]]
    check(len(ids) == len(set(ids)), "dashboard panel ids repeat")

    exported = exported_names(expositions(args))
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    used = set()
    for e in exprs:
        used |= metric_names_in(e)
    for name in sorted(used):
        check(name in exported, f"dashboard queries {name}, which no service exports")
    print(f"dashboard: {len(dash['panels'])} panels, {len(exprs)} queries over {len(used)} metrics, all exported")

    # Provisioning: the data source uid the dashboard defaults to, the folder it is loaded from.
    with open(os.path.join(DEPLOY, "grafana", "provisioning", "datasources", "prometheus.yaml")) as f:
        ds = yaml.safe_load(f)["datasources"]
    default = dash["templating"]["list"][0]["current"]["value"]
    check(any(d["uid"] == default and d["type"] == "prometheus" for d in ds),
          f"no provisioned Prometheus data source with uid {default}")
    with open(os.path.join(DEPLOY, "grafana", "provisioning", "dashboards", "eventwire.yaml")) as f:
        prov = yaml.safe_load(f)["providers"][0]["options"]["path"]
    with open(os.path.join(DEPLOY, "compose.yaml")) as f:
        compose = yaml.safe_load(f)
    mounts = compose["services"]["grafana"]["volumes"]
    check(any(m.startswith("./grafana/dashboards:" + prov) for m in mounts),
          f"compose does not mount the dashboards at {prov}")


# --- metrics ------------------------------------------------------------------------------------

def cmd_metrics(args):
    exps = expositions(args)
    with open(os.path.join(ROOT, "docs", "metrics.md")) as f:
        doc = f.read()
    for service, (source, text) in exps.items():
        r = run(["promtool", "check", "metrics"], input=text)
        check(r.returncode == 0, f"promtool check metrics ({service}, {source}):\n{r.stdout}{r.stderr}")
        fams = families(text)
        check(len(fams) >= 5, f"{service}: only {len(fams)} metric families")
        for name in fams:
            # exposer_*: prometheus-cpp's own metrics about serving /metrics.
            check(name.startswith(("eventwire_", "exposer_")),
                  f"{service}: {name} lacks the eventwire_ prefix")
            check(f"`{name}`" in doc, f"docs/metrics.md does not document {name}")
        print(f"{service}: {len(fams)} families, promtool check metrics clean, all documented")


# --- container ----------------------------------------------------------------------------------

def dockerfile_stages(text):
    stages = []
    for line in text.splitlines():
        m = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line.strip(), re.I)
        if m:
            stages.append({"image": m.group(1), "name": m.group(2), "lines": []})
        elif stages:
            stages[-1]["lines"].append(line)
    return stages


def apt_packages(stage_lines):
    text = "\n".join(stage_lines).replace("\\\n", " ")
    pkgs = set()
    for m in re.finditer(r"apt-get install ([^&]*)", text):
        pkgs |= {t for t in m.group(1).split() if not t.startswith("-")}
    return pkgs


def owning_packages(libs):
    """{library path: Debian package} for the libraries dpkg knows (one dpkg call)."""
    candidates = {}
    for lib in libs:
        real = os.path.realpath(lib)
        for c in (lib, real, lib.replace("/usr/lib/", "/lib/", 1), real.replace("/usr/lib/", "/lib/", 1)):
            candidates[c] = lib
    r = run(["dpkg", "-S", *sorted(candidates)])
    owners = {}
    for line in r.stdout.splitlines():
        pkg, _, path = line.partition(": ")
        if path.strip() in candidates:
            owners[candidates[path.strip()]] = pkg.split(":")[0].strip()
    return owners


def help_flags(binary):
    r = run([binary, "--help"])
    return set(re.findall(r"--([a-z0-9][a-z0-9-]*)", r.stdout + r.stderr))


def cmd_container(args):
    with open(os.path.join(DEPLOY, "Dockerfile")) as f:
        stages = dockerfile_stages(f.read())
    check(len(stages) >= 2, "Dockerfile is not multi-stage")
    for s in stages:
        check(re.match(r"debian:bookworm(-slim)?(@sha256:[0-9a-f]+)?$", s["image"]) is not None,
              f"Dockerfile stage on {s['image']}, not debian:bookworm")
    runtime = stages[-1]
    users = [l.split()[1] for l in runtime["lines"] if l.strip().startswith("USER ")]
    check(users and re.match(r"^[1-9][0-9]*(:[0-9]+)?$", users[-1]) is not None,
          f"final stage USER must be a numeric non-root uid, got {users}")
    check(any("COPY --from=" in l for l in runtime["lines"]), "final stage copies nothing from the build stage")
    build_pkgs, run_pkgs = apt_packages(stages[0]["lines"]), apt_packages(runtime["lines"])
    r = run(["apt-cache", "show", "--no-all-versions", *sorted(build_pkgs | run_pkgs)])
    known = set(re.findall(r"^Package: (\S+)$", r.stdout, re.M))
    for p in sorted((build_pkgs | run_pkgs) - known):
        fail(f"Dockerfile installs {p}, unknown to apt")
    built = re.findall(r"/build/(\S+?/eventwire[a-z-]*)\s", "\n".join(stages[0]["lines"]))
    binaries = {"pipeline": args.pipeline, "query": args.query, "eventwire": args.cli}
    for path in built:
        name = os.path.basename(path)
        check(name in {os.path.basename(b) for b in binaries.values() if b},
              f"Dockerfile installs {path}, not a known build target")
    # Every shared library the binaries load comes from a package the runtime stage installs
    # (libc/libstdc++/libgcc are in the base image).
    base = {"libc6", "libstdc++6", "libgcc-s1", "libzstd1", "zlib1g", "libssl3", "liblz4-1",
            "libsasl2-2", "libcurl4", "libsystemd0", "libgcrypt20", "liblzma5", "libgpg-error0",
            "libcap2", "libbz2-1.0", "libsnappy1v5", "libgflags2.2", "libjemalloc2", "libnghttp2-14",
            "libidn2-0", "librtmp1", "libssh2-1", "libpsl5", "libkrb5-3", "libgssapi-krb5-2",
            "libldap-2.5-0", "libbrotli1", "libunistring2", "libgnutls30", "libhogweed6",
            "libnettle8", "libgmp10", "libp11-kit0", "libtasn1-6", "libffi8", "libk5crypto3",
            "libcom-err2", "libkrb5support0", "libkeyutils1", "libre2-9", "libc-ares2", "libuv1",
            "libcrypt1", "libdb5.3", "libsasl2-modules-db"}
    for label, binary in binaries.items():
        if not binary or not os.path.exists(binary):
            print(f"{label}: binary not built; library check skipped")
            continue
        r = run(["ldd", binary])
        libs = re.findall(r"=> (/\S+)", r.stdout)
        owners = owning_packages(libs)
        check(len(owners) == len(libs), f"{label}: libraries no package owns: {sorted(set(libs) - set(owners))}")
        missing = {pkg for pkg in owners.values() if pkg not in run_pkgs and pkg not in base}
        check(not missing, f"{label}: runtime stage lacks packages {sorted(missing)} ({binary})")
        print(f"{label}: {len(libs)} shared libraries, all provided by the runtime stage or the base image")

    # compose.yaml: real Kafka, Prometheus, Grafana, both services; flags the binaries accept.
    with open(os.path.join(DEPLOY, "compose.yaml")) as f:
        compose = yaml.safe_load(f)
    svcs = compose["services"]
    for s in ("kafka", "pipeline", "query", "prometheus", "grafana"):
        check(s in svcs, f"compose.yaml has no {s} service")
    check(svcs["kafka"]["image"].startswith("apache/kafka:"), "compose kafka is not apache/kafka")
    for s in ("pipeline", "query"):
        check(svcs[s].get("read_only") is True, f"compose {s} root filesystem writable")
        check(not str(svcs[s].get("user", "0")).startswith("0"), f"compose {s} runs as root")
    with open(os.path.join(DEPLOY, "prometheus", "prometheus.yml")) as f:
        prom = yaml.safe_load(f)
    targets = [t for job in prom["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]]
    for s in ("pipeline", "query"):
        port = next((c.split("=")[1] for c in svcs[s]["command"] if c.startswith("--metrics-port=")), None)
        check(f"{s}:{port}" in targets, f"prometheus.yml does not scrape {s}:{port}")

    conf_dir = os.path.join(DEPLOY, "k8s", "base")
    for label in ("pipeline", "query"):
        binary = binaries[label]
        if not binary or not os.path.exists(binary):
            print(f"{label}: binary not built; flag check skipped")
            continue
        accepted = help_flags(binary)
        given = {c.split("=")[0][2:] for c in svcs[label]["command"]}
        given |= set(read_conf(os.path.join(conf_dir, f"{label}.conf")))
        unknown = sorted(given - accepted)
        check(not unknown, f"{label}: deploy/ passes options its binary does not accept: {unknown}")
        print(f"{label}: {len(given)} options from compose and {label}.conf, all accepted by {os.path.basename(binary)}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["render", "lint", "rules", "dashboard", "metrics", "container"])
    p.add_argument("--catalog", help="metrics_catalog executable")
    p.add_argument("--pipeline", help="eventwire-pipeline executable")
    p.add_argument("--query", help="eventwire-query executable")
    p.add_argument("--cli", help="eventwire CLI executable")
    args = p.parse_args()
    for tool in ("kubectl", "promtool", "yamllint"):
        if shutil.which(tool) is None:
            print(f"{tool} not installed (scripts/install-deps installs it)", file=sys.stderr)
            return 1
    globals()["cmd_" + args.command](args)
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
