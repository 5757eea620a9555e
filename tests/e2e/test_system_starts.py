"""The four services start as separate processes and answer health, readiness and metrics."""

from __future__ import annotations

import httpx

from shared.config import SERVICES


def test_four_services_ready_with_metrics(system):
    urls = system.urls()
    assert sorted(urls) == sorted(SERVICES)
    for service, url in urls.items():
        assert httpx.get(url + "/healthz").json()["service"] == service
        assert httpx.get(url + "/readyz").json()["ready"] is True
        metrics = httpx.get(url + "/metrics").text
        assert "outbox_oldest_unsent_age_seconds" in metrics
        assert "http_request_duration_seconds" in metrics
        assert httpx.get(url + "/openapi.json").status_code == 200
