"""Prometheus text-format metrics: request counts, errors and a latency histogram."""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """Thread-safe counters rendered in the Prometheus exposition format."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self.predicted_rows = 0

    def observe(self, method: str, path: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, path, status)] += 1
            counts = self.buckets[path]
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            self.sums[path] += seconds
            self.counts[path] += 1

    def add_rows(self, n: int) -> None:
        with self._lock:
            self.predicted_rows += n

    def render(self) -> str:
        lines = [
            "# HELP http_requests_total Requests by method, path and status code.",
            "# TYPE http_requests_total counter",
        ]
        with self._lock:
            for (method, path, status), n in sorted(self.requests.items()):
                lines.append(
                    f'http_requests_total{{method="{method}",path="{path}",status="{status}"}} {n}'
                )
            lines += [
                "# HELP http_request_errors_total Requests answered with a 5xx status.",
                "# TYPE http_request_errors_total counter",
            ]
            errors = sum(n for (_, _, status), n in self.requests.items() if status >= 500)
            lines.append(f"http_request_errors_total {errors}")
            lines += [
                "# HELP http_request_duration_seconds Request latency.",
                "# TYPE http_request_duration_seconds histogram",
            ]
            for path, counts in sorted(self.buckets.items()):
                for bound, n in zip(BUCKETS, counts):
                    lines.append(
                        f'http_request_duration_seconds_bucket{{path="{path}",le="{bound}"}} {n}'
                    )
                lines.append(
                    f'http_request_duration_seconds_bucket{{path="{path}",le="+Inf"}} '
                    f"{self.counts[path]}"
                )
                lines.append(f'http_request_duration_seconds_sum{{path="{path}"}} {self.sums[path]}')
                lines.append(f'http_request_duration_seconds_count{{path="{path}"}} {self.counts[path]}')
            lines += [
                "# HELP predicted_rows_total Rows predicted.",
                "# TYPE predicted_rows_total counter",
                f"predicted_rows_total {self.predicted_rows}",
            ]
        return "\n".join(lines) + "\n"
