"""Metrics, Prometheus rules and Grafana dashboards of the hub."""
