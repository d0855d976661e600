"""The jinja2 template of the evaluation report (one self-contained HTML page)."""

# ruff: noqa: E501  (HTML lines)

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
 body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1000px;margin:1.5em auto;
      padding:0 1em;color:#222;line-height:1.4}
 h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
 table{border-collapse:collapse;font-size:.85em;margin:.5em 0} td,th{border:1px solid #ccc;padding:3px 7px;
      text-align:right} th{background:#f3f3f3} td.l,th.l{text-align:left}
 .banner{padding:.6em 1em;border-radius:6px;margin:.6em 0;font-weight:600}
 .disclaimer{background:#eef4ff;border:1px solid #9bb7e8}
 .synthetic{background:#fff1d6;border:1px solid #e0a030;color:#7a4b00}
 .note{color:#666;font-size:.85em} .flex{display:flex;gap:1.5em;flex-wrap:wrap;align-items:flex-start}
</style></head><body>
<h1>{{ title }}</h1>
<div class="banner disclaimer">strokescreen is a screening aid, not a diagnosis.
 These are research evaluation results, not clinical advice.</div>
{% if synthetic %}<div class="banner synthetic">These results are computed on SYNTHETIC data
 (generated faces and speech). They show that the pipeline works; they say nothing about
 performance on real patients.</div>{% endif %}
<p>Model <b>{{ m.model }}</b>{% if params %} ({{ params }}){% endif %} on cohort <b>{{ m.cohort }}</b>:
 {{ m.n_cases }} cases of {{ m.n_subjects }} subjects ({{ m.n_pos }} stroke, {{ m.n_neg }} not stroke).
 Split: {{ m.split.description }}. strokescreen {{ m.strokescreen_version }}, seed {{ m.seed }}.</p>
<h2>Discrimination</h2>
<div class="flex">
<div><img alt="ROC curve" width="460" src="data:image/png;base64,{{ roc_b64 }}"></div>
<div>
<p>AUC <b>{{ f(m.auc) }}</b>{% if m.auc_ci %} (95% CI {{ f(m.auc_ci[0]) }}&ndash;{{ f(m.auc_ci[1]) }}){% endif %}
 {% if m.auc_note %}<br><span class="note">{{ m.auc_note }}</span>{% endif %}</p>
<p class="note">CI: {{ m.auc_ci_method }}.</p>
<table><tr><th class="l">operating point</th><th>threshold</th><th>accuracy</th><th>sensitivity</th>
<th>specificity</th><th>PPV</th><th>NPV</th></tr>
{% for label, op in ops %}<tr><td class="l">{{ label }}</td><td>{{ f(op.threshold) }}</td><td>{{ pct(op.accuracy) }}</td>
<td>{{ pct(op.sensitivity) }}</td><td>{{ pct(op.specificity) }}</td><td>{{ pct(op.ppv) }}</td><td>{{ pct(op.npv) }}</td></tr>
{% endfor %}
{% for r in refs %}<tr><td class="l">{{ r.label }} (reference)</td><td></td><td>{{ pct(r.accuracy) }}</td>
<td>{{ pct(r.sensitivity) }}</td><td>{{ pct(r.specificity) }}</td><td></td><td></td></tr>{% endfor %}
</table>
<p class="note">The matched-specificity threshold is chosen on the evaluated predictions themselves
 (aligned comparison with the clinicians' operating point), so its sensitivity is descriptive.
 {% if m.holdout %}The prespecified row uses a threshold chosen on the training part only.{% endif %}</p>
</div></div>
{{ extra_html }}
<h2>Calibration</h2>
<div class="flex">
{% if cal_b64 %}<div><img alt="Reliability diagram" width="460" src="data:image/png;base64,{{ cal_b64 }}"></div>{% endif %}
<div>
<p>Does a predicted probability match how often stroke signs were seen? (pooled {{ 'hold-out' if m.holdout else 'out-of-fold' }} predictions)</p>
<table><tr><th class="l">measure</th><th>value</th><th>95% CI</th><th class="l">ideal</th></tr>
<tr><td class="l">Brier score</td><td>{{ f(cal.brier) }}</td><td>{% if cal.brier_ci %}{{ f(cal.brier_ci[0]) }}&ndash;{{ f(cal.brier_ci[1]) }}{% endif %}</td><td class="l">0</td></tr>
<tr><td class="l">scaled Brier</td><td>{{ f(cal.scaled_brier) }}</td><td>{% if cal.scaled_brier_ci %}{{ f(cal.scaled_brier_ci[0]) }}&ndash;{{ f(cal.scaled_brier_ci[1]) }}{% endif %}</td><td class="l">1 (0: no better than the prevalence)</td></tr>
<tr><td class="l">calibration intercept (in the large)</td><td>{{ f(cal.intercept) }}</td><td>{% if cal.intercept_ci %}{{ f(cal.intercept_ci[0]) }}&ndash;{{ f(cal.intercept_ci[1]) }}{% endif %}</td><td class="l">0 (&gt; 0: probabilities too low)</td></tr>
<tr><td class="l">calibration slope</td><td>{{ f(cal.slope) }}</td><td>{% if cal.slope_ci %}{{ f(cal.slope_ci[0]) }}&ndash;{{ f(cal.slope_ci[1]) }}{% endif %}</td><td class="l">1 (&lt; 1: too extreme)</td></tr>
<tr><td class="l">expected calibration error</td><td>{{ f(cal.ece) }}</td><td></td><td class="l">0</td></tr>
<tr><td class="l">observed / expected</td><td>{{ f(cal.observed_expected) }}</td><td></td><td class="l">1</td></tr>
</table>
<p class="note">CI: {{ cal.ci_method }}. Per fold: see the table below; per subgroup: the Subgroups table.</p>
</div></div>
<h2>Decision curve</h2>
<div class="flex">
{% if dca_b64 %}<div><img alt="Decision curve" width="480" src="data:image/png;base64,{{ dca_b64 }}"></div>{% endif %}
<div>
<p><b>{{ dca.helps_text }}</b> Prevalence in this cohort: {{ pct(dca.prevalence) }}.</p>
<table><tr><th>threshold probability</th><th>model</th><th>treat all</th><th>treat none</th>
{% for k, label in (dca.reference_labels or {}).items() %}<th>{{ label }} (reference)</th>{% endfor %}<th>model advantage (true positives per 100)</th></tr>
{% for r in dca.table %}<tr><td>{{ f(r.threshold, 2) }}</td><td>{{ f(r.model) }}</td><td>{{ f(r.treat_all) }}</td><td>{{ f(r.treat_none) }}</td>
{% for k in (dca.reference_labels or {}) %}<td>{{ f(r[k]) }}</td>{% endfor %}<td>{{ f(r.model_advantage_per_100, 1) }}</td></tr>{% endfor %}
</table>
<p class="note">Net benefit = true positives/n &minus; false positives/n &times; t/(1&minus;t): the threshold probability t says how many false alarms one caught stroke is worth.
 The reference rows apply the clinicians' published sensitivity and specificity at this cohort's prevalence; they were not measured on this cohort.</p>
</div></div>
{% if m.holdout %}<h2>Hold-out: spread over fold models</h2>
<p>{{ m.holdout.n_train_cases }} training cases, {{ m.holdout.n_test_cases }} hold-out cases{% if m.holdout.n_excluded_cases %} ({{ m.holdout.n_excluded_cases }} excluded: {{ m.holdout.note }}){% endif %}.
 AUC of the {{ m.split.n_folds }} fold models on the hold-out: mean {{ f(m.holdout.fold_model_auc.mean) }},
 SD {{ f(m.holdout.fold_model_auc.sd) }}, range {{ f(m.holdout.fold_model_auc.min) }}&ndash;{{ f(m.holdout.fold_model_auc.max) }}.
 The headline AUC is that of the fold models' mean probability.</p>{% endif %}
<h2>Per fold</h2>
<table><tr><th class="l">{{ 'fold model' if m.holdout else 'fold' }}</th><th>cases</th><th>subjects</th><th>stroke</th>
<th>not stroke</th><th>AUC</th><th>Brier</th><th>cal. intercept</th><th>cal. slope</th><th class="l">note</th></tr>
{% for r in m.folds %}<tr><td class="l">{{ r.fold }}</td><td>{{ r.n }}</td><td>{{ r.n_subjects }}</td><td>{{ r.n_pos }}</td>
<td>{{ r.n_neg }}</td><td>{{ f(r.auc) }}</td><td>{{ f(r.brier) }}</td><td>{{ f(r.calibration_intercept) }}</td><td>{{ f(r.calibration_slope) }}</td><td class="l">{{ r.note or '' }}</td></tr>{% endfor %}
</table>
<p>Fold AUC: mean {{ f(m.fold_auc.mean) }}, SD {{ f(m.fold_auc.sd) }} over {{ m.fold_auc.n_defined }} folds with both classes
 ({{ m.fold_auc.n_undefined }} single-class folds not averaged).</p>
{% for n in m.notes %}<p class="note">{{ n }}</p>{% endfor %}
<h2>Subgroups</h2>
{% if fairness %}{{ fairness|safe }}
<p class="note">Same thresholds as the whole cohort: 0.5 and the matched-specificity threshold (&ldquo;op&rdquo;).</p>
{% else %}<p class="note">The cohort has no sex, age, ethnicity, race or site columns.</p>{% endif %}
<h2>Global feature importance</h2>
{% if importance %}<p class="note">{{ m.importance_method }}; top {{ n_importance }} features.</p>{{ importance|safe }}
{% else %}<p class="note">Not computed for this model (it does not read the feature table, or importance was switched off).</p>{% endif %}
{% if shap_b64 %}<h2>SHAP explanations (out of fold)</h2>
<div><img alt="SHAP summary" width="760" src="data:image/png;base64,{{ shap_b64 }}"></div>
<p class="note">{{ m.explanation_method }}: every case explained by the fold model that did not see its subject; bars are mean |SHAP| over cases, per feature and per measure family (a family's value is the sum of its features'). Per case in explanations.parquet.</p>
{{ shap_families|safe }}{% endif %}
<h2>Reporting checklist (TRIPOD+AI)</h2>
<p class="note">Filled from what this evaluation knows{% if synthetic %}; the cohort is SYNTHETIC{% endif %}. Items marked &ldquo;not filled&rdquo; must be added by the authors.</p>
<table><tr><th class="l">section</th><th class="l">item</th><th class="l">reported</th></tr>
{% for r in tripod %}<tr><td class="l">{{ r.section }}</td><td class="l">{{ r.item }}</td><td class="l">{% if r.filled %}{{ r.text }}{% else %}<i>not filled:</i> {{ r.text }}{% endif %}</td></tr>{% endfor %}
</table>
<p class="note">Not filled here: {% for r in tripod if not r.filled %}{{ r.item }}{{ "; " if not loop.last }}{% endfor %}.</p>
<p class="note" style="margin-top:2em">{{ m.disclaimer }}</p>
</body></html>
"""
