"""Great Expectations is imported without scipy.stats and altair (for expectations the gate never
uses), and both still work for whoever asks for them later. In a fresh interpreter: the test
process may have imported them already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
import polars as pl
from expectations.gate import run_suites
from expectations.gx_import import DEFERRED, DeferredModule

frame = pl.DataFrame({"deal_id": ["deal_a"], "curve_date": ["2025-01-02"]})
results = run_suites({"core.deals": frame})
deferred = {name: isinstance(sys.modules.get(name), DeferredModule) for name in DEFERRED}
loaded_behind = any(m.startswith(("scipy.stats.", "altair.")) for m in sys.modules)
from scipy import stats
import altair as alt
later = {"norm_cdf_0": float(stats.norm.cdf(0)), "chart": alt.Chart.__name__,
         "real": [type(sys.modules[n]).__name__ for n in DEFERRED]}
print(json.dumps({"checked": len(results), "deferred": deferred, "loaded_behind": loaded_behind, **later}))
"""


def test_the_gate_runs_with_scipy_stats_and_altair_deferred_and_both_work_when_asked_for():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["checked"] > 0                       # a real checkpoint ran
    assert out["deferred"] == {"scipy.stats": True, "altair": True}
    assert out["loaded_behind"] is False
    assert out["norm_cdf_0"] == 0.5 and out["chart"] == "Chart"
    assert out["real"] == ["module", "module"]      # the real modules took their place
