"""graph.monitoring: post-loan monitoring.

- :mod:`graph.monitoring.alerts`: early-warning alerts when a portfolio brings new credit
  events or worse loan statuses, for every borrower exposed through the graph;
- :mod:`graph.monitoring.book`: the alert file (``<data dir>/monitoring/alerts.json``), the scan
  and the acknowledgements;
- :mod:`graph.monitoring.leads`: lost-contact leads, ranked;
- :mod:`graph.monitoring.watch`: committees' watchlists on a borrower's group;
- :mod:`graph.monitoring.webhook`: signed webhook push from an outbox.

See ``docs/monitoring.md``.
"""

from graph.monitoring.alerts import RULES, alert_id, compute_alerts, find_triggers, severity
from graph.monitoring.book import AlertBook, ScanResult, scan
from graph.monitoring.leads import LEAD_WEIGHTS, leads
from graph.monitoring.watch import add_watch, check, remove_watch, watches

__all__ = ["AlertBook", "LEAD_WEIGHTS", "RULES", "ScanResult", "add_watch", "alert_id", "check",
           "compute_alerts", "find_triggers", "leads", "remove_watch", "scan", "severity",
           "watches"]
