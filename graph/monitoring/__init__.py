"""graph.monitoring: post-loan monitoring.

- :mod:`graph.monitoring.alerts`: early-warning alerts when a portfolio brings new credit
  events or worse loan statuses, for every borrower exposed through the graph;
- :mod:`graph.monitoring.book`: the alert file (``<data dir>/monitoring/alerts.json``), the scan
  and the acknowledgements;
- :mod:`graph.monitoring.leads`: lost-contact leads, ranked.

See ``docs/monitoring.md``.
"""

from graph.monitoring.alerts import RULES, alert_id, compute_alerts, find_triggers, severity
from graph.monitoring.book import AlertBook, ScanResult, scan
from graph.monitoring.leads import LEAD_WEIGHTS, leads

__all__ = ["AlertBook", "LEAD_WEIGHTS", "RULES", "ScanResult", "alert_id", "compute_alerts",
           "find_triggers", "leads", "scan", "severity"]
