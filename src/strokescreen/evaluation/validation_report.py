"""One-page HTML report of an external validation (figures inlined as base64)."""

from __future__ import annotations

# ruff: noqa: E501  (HTML lines)
import base64

import jinja2

from strokescreen.evaluation.report import _Dot, _fmt, _pct

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
 body{font-family:system-ui,sans-serif;max-width:1000px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.4}
 h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
 table{border-collapse:collapse;font-size:.85em;margin:.5em 0} td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
 th{background:#f3f3f3} td.l,th.l{text-align:left} .note{color:#666;font-size:.85em}
 .banner{padding:.6em 1em;border-radius:6px;margin:.6em 0;font-weight:600}
 .disclaimer{background:#eef4ff;border:1px solid #9bb7e8} .synthetic{background:#fff1d6;border:1px solid #e0a030;color:#7a4b00}
 .flex{display:flex;gap:1.5em;flex-wrap:wrap}
</style></head><body>
<h1>{{ title }}</h1>
<div class="banner disclaimer">strokescreen is a screening aid, not a diagnosis. These are research validation results, not clinical advice.</div>
{% if synthetic %}<div class="banner synthetic">Computed on SYNTHETIC data (generated faces and speech): they show that the validation works, not how the model performs on patients.</div>{% endif %}
<p>Model <b>{{ v.model.name }}</b> trained on &ldquo;{{ v.model.training_cohort }}&rdquo; ({{ v.model.n_training_cases }} cases), applied <b>unchanged</b> to cohort
 <b>{{ v.cohort }}</b>: {{ m.n_cases }} cases of {{ m.n_subjects }} subjects ({{ m.n_pos }} stroke, {{ m.n_neg }} not stroke){% if v.n_unscored %}; {{ v.n_unscored }} case(s) got no probability and are left out{% endif %}.</p>
<h2>Discrimination</h2>
<p>AUC <b>{{ f(m.auc) }}</b>{% if m.auc_ci %} (95% CI {{ f(m.auc_ci[0]) }}&ndash;{{ f(m.auc_ci[1]) }}){% endif %}. At the model's own threshold {{ f(m.at_model_threshold.threshold) }} (chosen on its training cohort):
 sensitivity {{ pct(m.at_model_threshold.sensitivity) }}, specificity {{ pct(m.at_model_threshold.specificity) }}, PPV {{ pct(m.at_model_threshold.ppv) }}, NPV {{ pct(m.at_model_threshold.npv) }}.</p>
<h2>Calibration</h2>
<div class="flex">{% for b64 in cal_imgs %}<img alt="reliability diagram" width="440" src="data:image/png;base64,{{ b64 }}">{% endfor %}</div>
<table><tr><th class="l"></th><th>Brier</th><th>scaled Brier</th><th>intercept</th><th>slope</th><th>ECE</th><th>AUC</th></tr>
<tr><td class="l">as trained</td><td>{{ f(cb.brier) }}</td><td>{{ f(cb.scaled_brier) }}</td><td>{{ f(cb.intercept) }}{% if cb.intercept_ci %} ({{ f(cb.intercept_ci[0]) }}&ndash;{{ f(cb.intercept_ci[1]) }}){% endif %}</td><td>{{ f(cb.slope) }}{% if cb.slope_ci %} ({{ f(cb.slope_ci[0]) }}&ndash;{{ f(cb.slope_ci[1]) }}){% endif %}</td><td>{{ f(cb.ece) }}</td><td>{{ f(m.auc) }}</td></tr>
{% if ca %}<tr><td class="l">after the {{ m['update'].kind }} update</td><td>{{ f(ca.brier) }}</td><td>{{ f(ca.scaled_brier) }}</td><td>{{ f(ca.intercept) }}{% if ca.intercept_ci %} ({{ f(ca.intercept_ci[0]) }}&ndash;{{ f(ca.intercept_ci[1]) }}){% endif %}</td><td>{{ f(ca.slope) }}{% if ca.slope_ci %} ({{ f(ca.slope_ci[0]) }}&ndash;{{ f(ca.slope_ci[1]) }}){% endif %}</td><td>{{ f(ca.ece) }}</td><td>{{ f(m.auc_after_update) }}</td></tr>{% endif %}
</table>
{% if ca %}<p class="note">Update {{ m['update'].kind }}: logit q = {{ f(m['update'].intercept) }} + {{ f(m['update'].slope) }} &times; logit p ({{ m['update'].fitted_on }}). The &ldquo;after&rdquo; row is {{ m['update'].after_figures }}.</p>{% endif %}
<h2>Decision curve</h2>
{% if dca_b64 %}<img alt="decision curve" width="480" src="data:image/png;base64,{{ dca_b64 }}">{% endif %}
<p><b>{{ m.decision_curve.helps_text }}</b>{% if m.decision_curve_after %} After the update: {{ m.decision_curve_after.helps_text }}{% endif %}</p>
<p class="note">{{ disclaimer }}</p>
</body></html>
"""


def render_validation_report(validation: dict, *, calibration_pngs: list[bytes],
                             decision_png: bytes | None, title: str) -> str:
    """The validation report HTML (one self-contained page)."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.ChainableUndefined)
    env.globals.update(f=_fmt, pct=_pct)
    m = validation["metrics"]
    return env.from_string(TEMPLATE).render(
        title=title,
        v=_Dot(validation),
        m=_Dot(m),
        cb=_Dot(m.get("calibration_before") or {}),
        ca=_Dot(m["calibration_after"]) if m.get("calibration_after") else None,
        synthetic=bool(validation.get("synthetic")),
        cal_imgs=[base64.b64encode(b).decode("ascii") for b in calibration_pngs],
        dca_b64=base64.b64encode(decision_png).decode("ascii") if decision_png else "",
        disclaimer=validation.get("disclaimer", ""),
    )
