#!/usr/bin/python3
"""Writes dashboards/eventwire.json, the eventwire Grafana dashboard.

The panels are listed once here, so the dashboard is reviewed as code; the
JSON is committed for Grafana's file provisioning. tests/deploy checks that
the JSON is this script's output and that every metric it queries is one the
services export. Run: deploy/grafana/dashboard.py > deploy/grafana/dashboards/eventwire.json
"""
import json
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
NS = 'namespace=~"$namespace"'


def panel(title, kind, targets, unit="short", x=0, y=0, w=12, h=8, description="", stack=False):
    p = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(targets)
        ],
    }
    if kind == "timeseries":
        p["fieldConfig"]["defaults"]["custom"] = {
            "stacking": {"mode": "normal" if stack else "none"}, "fillOpacity": 10}
    return p


def rows():
    y = 0
    out = []

    def add(*panels, h=8):
        nonlocal y
        for p in panels:
            p["gridPos"]["y"] = y
            p["gridPos"]["h"] = h
        out.extend(panels)
        y += h

    add(
        panel("Ready pods", "stat", [(f"sum(eventwire_ready{{{NS}}})", "ready")], w=6,
              description="Pods whose /readyz answers 200"),
        panel("Articles in / s", "stat",
              [(f"sum(rate(eventwire_articles_consumed_total{{{NS}}}[5m]))", "in")], unit="ops",
              x=6, w=6),
        panel("Events out / s", "stat",
              [(f"sum(rate(eventwire_events_produced_total{{{NS}}}[5m]))", "events")], unit="ops",
              x=12, w=6),
        panel("Consumer lag", "stat",
              [(f"sum(eventwire_consumer_lag_messages{{{NS}}})", "lag")], x=18, w=6),
        h=4)
    add(
        panel("Throughput", "timeseries", [
            (f"sum(rate(eventwire_articles_consumed_total{{{NS}}}[$__rate_interval]))", "articles consumed"),
            (f"sum(rate(eventwire_events_produced_total{{{NS}}}[$__rate_interval]))", "events produced"),
            (f"sum(rate(eventwire_stories_produced_total{{{NS}}}[$__rate_interval]))", "story updates"),
            (f"sum(rate(eventwire_dlq_total{{{NS}}}[$__rate_interval]))", "dead-lettered"),
        ], unit="ops"),
        panel("Consumer lag by partition", "timeseries", [
            (f"sum by (topic, partition) (eventwire_consumer_lag_messages{{{NS}}})",
             "{{topic}}[{{partition}}]"),
        ], x=12, description="Records not yet consumed, from each pod's librdkafka position"))
    add(
        panel("Stage latency p50 / p99", "timeseries", [
            (f"histogram_quantile(0.5, sum by (le, stage) (rate(eventwire_stage_duration_seconds_bucket{{{NS}}}[$__rate_interval])))",
             "p50 {{stage}}"),
            (f"histogram_quantile(0.99, sum by (le, stage) (rate(eventwire_stage_duration_seconds_bucket{{{NS}}}[$__rate_interval])))",
             "p99 {{stage}}"),
        ], unit="s"),
        panel("Publish-to-event latency", "timeseries", [
            (f"histogram_quantile(0.5, sum by (le) (rate(eventwire_event_latency_seconds_bucket{{{NS}}}[$__rate_interval])))", "p50"),
            (f"histogram_quantile(0.99, sum by (le) (rate(eventwire_event_latency_seconds_bucket{{{NS}}}[$__rate_interval])))", "p99"),
        ], unit="s", x=12, description="Input record timestamp to event produced"))
    add(
        panel("Duplicates ratio", "timeseries", [
            (f"sum(rate(eventwire_duplicates_total{{{NS}}}[$__rate_interval])) / "
             f"sum(rate(eventwire_articles_consumed_total{{{NS}}}[$__rate_interval]))", "duplicates"),
        ], unit="percentunit", w=8, description="Share of articles that joined an existing story"),
        panel("Open stories", "timeseries", [
            (f"sum by (pod) (eventwire_stories_open{{{NS}}})", "{{pod}}"),
        ], x=8, w=8, description="Stories held in the dedup window"),
        panel("Transactions", "timeseries", [
            (f"sum by (outcome) (rate(eventwire_transactions_total{{{NS}}}[$__rate_interval]))", "{{outcome}}"),
        ], unit="ops", x=16, w=8))
    add(
        panel("Events by CAMEO root", "timeseries", [
            (f"sum by (cameo_root) (rate(eventwire_events_produced_total{{{NS}}}[$__rate_interval]))", "{{cameo_root}}"),
        ], unit="ops", stack=True),
        panel("DLQ by reason", "timeseries", [
            (f"sum by (reason) (rate(eventwire_dlq_total{{{NS}}}[$__rate_interval]))", "{{reason}}"),
        ], unit="ops", x=12, stack=True))
    add(
        panel("Errors", "timeseries", [
            (f"sum by (kind) (rate(eventwire_errors_total{{{NS}}}[$__rate_interval]))", "{{kind}}"),
            (f"sum by (code) (rate(eventwire_query_grpc_requests_total{{{NS},code!=\"OK\"}}[$__rate_interval]))",
             "query {{code}}"),
        ], unit="ops", description="Errors the services survived, and failed query requests"),
        panel("Rebalances", "timeseries", [
            (f"sum by (pod) (increase(eventwire_rebalances_total{{{NS}}}[$__rate_interval]))", "{{pod}}"),
        ], x=12))
    add(
        panel("Query requests", "timeseries", [
            (f"sum by (method, code) (rate(eventwire_query_grpc_requests_total{{{NS}}}[$__rate_interval]))",
             "{{method}} {{code}}"),
        ], unit="reqps", w=8),
        panel("Query latency p99", "timeseries", [
            (f"histogram_quantile(0.99, sum by (le, method) (rate(eventwire_query_grpc_request_duration_seconds_bucket{{{NS}}}[$__rate_interval])))",
             "{{method}}"),
        ], unit="s", x=8, w=8),
        panel("Query store", "timeseries", [
            (f"max by (table) (eventwire_query_store_rows{{{NS}}})", "{{table}} rows"),
            (f"sum by (kind) (rate(eventwire_query_records_ingested_total{{{NS}}}[$__rate_interval]))",
             "{{kind}} ingested / s"),
        ], x=16, w=8))
    add(
        panel("Build", "table", [
            (f"max by (service, version) (eventwire_build_info{{{NS}}})", ""),
        ], w=24, h=5), h=5)
    for i, p in enumerate(out):
        p["id"] = i + 1
    return out


def dashboard():
    return {
        "uid": "eventwire",
        "title": "eventwire",
        "description": "Pipeline throughput, lag, latency, dedup, events, DLQ, errors; query service",
        "tags": ["eventwire", "kafka"],
        "timezone": "utc",
        "schemaVersion": 38,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "editable": True,
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source",
             "current": {"text": "Prometheus", "value": "prometheus"}},
            {"name": "namespace", "type": "query", "datasource": DS, "label": "Namespace",
             "query": {"query": "label_values(eventwire_build_info, namespace)", "refId": "ns"},
             "definition": "label_values(eventwire_build_info, namespace)",
             "includeAll": True, "allValue": ".*", "multi": True, "refresh": 2,
             "current": {"text": "All", "value": "$__all"}},
        ]},
        "panels": rows(),
    }


if __name__ == "__main__":
    json.dump(dashboard(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
