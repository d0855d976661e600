"""The per-case report: one self-contained HTML page (no scripts, no external URLs).

Images are inlined as ``data:`` URIs and the style sheet is inline, so the page opens
offline and passes a ``default-src 'none'; img-src data:; style-src 'unsafe-inline'``
content security policy (the web app serves it that way).
"""

from __future__ import annotations

import math
from typing import Any

# ruff: noqa: E501  (HTML lines)

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>strokescreen assessment {{ r.recording.id }}</title>
<style>
 body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:980px;margin:1.2em auto;padding:0 1em;color:#222;line-height:1.4}
 h1{font-size:1.45em;margin:.2em 0} h2{font-size:1.12em;margin-top:1.5em;border-bottom:1px solid #ddd;padding-bottom:.15em}
 table{border-collapse:collapse;font-size:.83em;margin:.4em 0} td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
 th{background:#f3f3f3} td.l,th.l{text-align:left}
 .banner{padding:.6em 1em;border-radius:6px;margin:.6em 0}
 .disclaimer{background:#eef4ff;border:1px solid #9bb7e8}
 .synthetic{background:#fff1d6;border:1px solid #e0a030;color:#6b4200}
 .nomodel{background:#f4f4f4;border:1px solid #bbb}
 .unusable{background:#fde8e8;border:1px solid #d66}
 .decision{font-size:1.5em;font-weight:700} .d-positive{color:#b00020} .d-negative{color:#1b6e3a} .d-none{color:#555}
 .badge{display:inline-block;padding:.1em .6em;border-radius:1em;font-weight:700;color:#fff}
 .q-good{background:#2b8a3e} .q-review{background:#c77700} .q-unusable{background:#c92a2a}
 .out{color:#b00020;font-weight:600} .note{color:#666;font-size:.85em} .meta{color:#555;font-size:.85em}
 .frames{display:flex;gap:.8em;flex-wrap:wrap} figure{margin:0} figcaption{font-size:.8em;color:#444;text-align:center}
 img{max-width:100%}
 @media print{h2{break-after:avoid} figure,table,img{break-inside:avoid}}
</style></head><body>
<h1>strokescreen: assessment of one recording</h1>
<p class="meta">Recording {{ r.recording.id }} &middot; {{ f(r.recording.duration_s, 1) }} s &middot; {{ r.recording.width }}&times;{{ r.recording.height }} px &middot; {{ 'with' if r.recording.audio_present else 'without' }} sound &middot; analysed {{ r.created_at }} &middot; strokescreen {{ r.strokescreen_version }}</p>
<div class="banner disclaimer"><strong>Screening aid, not a diagnosis.</strong> {{ r.disclaimer }}</div>
{% if r.synthetic_model %}<div class="banner synthetic"><strong>Synthetic training data.</strong> {{ synthetic_text }}</div>{% endif %}
{% if r.synthetic_recording %}<div class="banner synthetic"><strong>Synthetic recording.</strong> {{ r.synthetic_recording_note }}</div>{% endif %}

<h2>Result</h2>
<p class="decision {{ dclass }}">{{ r.decision | capitalize }}</p>
<p>{{ r.decision_text }}</p>
{% if r.probability is not none %}
<p>Probability of stroke signs: <strong>{{ f(r.probability, 2) }}</strong> (threshold {{ f(r.threshold, 2) }}){% if r.calibration %}, {{ r.calibration.method_text }}{% endif %}.</p>
{% for line in r.result_sentences or [] %}<p><strong>{{ line }}</strong></p>{% endfor %}
{% if r.calibration %}<p class="note">{{ r.calibration.sentence }}{% if r.calibration.synthetic %} These validation figures come from SYNTHETIC data, not patients.{% endif %}</p>{% endif %}
{% endif %}
{% if r.operating_point %}
<p><strong>{{ r.operating_point.sentence }}</strong>
<span class="note">Validation: {{ r.operating_point.chosen_on or 'out-of-fold predictions' }}; {{ r.operating_point.n_cases }} cases{% if r.operating_point.n_subjects %} of {{ r.operating_point.n_subjects }} subjects{% endif %} from cohort &ldquo;{{ r.operating_point.cohort }}&rdquo;{% if r.operating_point.synthetic %} (synthetic){% else %} (not synthetic){% endif %}{% if r.operating_point.validation_auc is not none %}; AUC {{ f(r.operating_point.validation_auc, 2) }}{% endif %}.</span></p>
{% endif %}
{% if not r.model_used %}<div class="banner nomodel"><strong>No risk model was used.</strong> {{ r.no_model_note }}</div>{% endif %}
{% if r.severity %}<p>Estimated {{ r.severity.target }}: <strong>{% if r.severity.grade is not none %}{{ r.severity.grade }}{% else %}{{ f(r.severity.value, 2) }}{% endif %}</strong>{% if r.severity.value is not none %} (model value {{ f(r.severity.value, 2) }}){% endif %}{% if r.severity.out_of_fold.mae is defined %}; out-of-fold mean absolute error {{ f(r.severity.out_of_fold.mae, 2) }}{% endif %}. <span class="note">{{ r.severity.note }}{% if r.severity.metadata_missing %}; not known for this recording, filled with the training medians: {{ r.severity.metadata_missing|join(', ') }}{% endif %}{% if r.severity.synthetic %}; the grading model was trained on SYNTHETIC data{% endif %}.</span></p>{% endif %}
{% if r.screen %}
<h2 id="screen">Norm-based screen <span class="note">({{ r.screen.label }}; {{ r.screen.disclaimer }})</span></h2>
<table><tr><th class="l">sign</th><th>value</th><th>unit</th><th class="l">where it sits among healthy people</th><th>healthy range</th><th>sign beyond</th><th class="l">status</th></tr>
{% for s in r.screen.signs %}<tr><td class="l">{{ s.label }}{% if s.n_normal_subjects %} <span class="note">(n = {{ s.n_normal_subjects }} healthy)</span>{% endif %}</td><td>{{ f(s.value, 2) }}</td><td>{{ s.unit }}</td><td class="l">{{ band(s) }}</td><td>{{ rng(s) }}</td><td>{% if s.sign_above is defined and s.sign_above is not none %}&gt; {{ f(s.sign_above, 2) }}{% elif s.standard_error %}{{ f(r.screen.operating_point.speech_margin_se, 1) }} &times; SE {{ f(s.standard_error, 2) }}{% else %}-{% endif %}</td><td class="l">{% if s.status == 'sign' %}<span class="out">sign{% if s.direction %} ({{ s.direction }}){% endif %}</span>{% else %}{{ s.status }}{% endif %}</td></tr>{% endfor %}
</table>
<p class="note">{{ band_legend }}</p>
{% if r.baseline and r.baseline.used %}<p id="baseline">Baseline: the same person&rsquo;s earlier recording, analysed {{ r.baseline.earlier_created_at }}; the &ldquo;change since the baseline&rdquo; rows compare this recording with it, against each measure&rsquo;s measured repeatability.</p>{% elif r.baseline %}<p id="baseline"><strong>No baseline used:</strong> {{ r.baseline.reason }}. This recording is judged against healthy people only.</p>{% endif %}
<p class="note">Operating point: family-wise false-positive level {{ pct(r.screen.operating_point.alpha) }} on healthy recordings over {{ r.screen.operating_point.n_families }} sign families (Šidák: {{ f(100 * r.screen.operating_point.per_family_level, 2) }} % each). Face: each state's composite index (at rest; in the smile or while speaking when the recording shows them) is compared with healthy faces in the same state; at rest it is borderline above {{ f(r.screen.operating_point.face_borderline_from, 2) }} and a sign above {{ f(r.screen.operating_point.face_sign_from, 2) }} (the 95 %-confidence tolerance limit from {{ r.screen.operating_point.n_normal_subjects }} healthy faces); region limits are the same, corrected for three regions. Speech: a rate outside its literature range by more than {{ f(r.screen.operating_point.speech_margin_se, 2) }} counting standard errors is a sign, by less borderline. Borderline signs, unusable quality or missing speech give &ldquo;cannot tell&rdquo;.</p>
{% endif %}

<h2>Recording quality <span class="badge q-{{ r.quality.verdict }}">{{ r.quality.verdict }}</span></h2>
<p>Quality: <strong>{{ r.quality.verdict }}</strong> &mdash; {{ r.quality.n_kept }} of {{ r.quality.n_frames }} frames usable ({{ pct(r.quality.usable_share) }}); face found in {{ pct(r.quality.face_found_share) }} of frames{% if r.quality.speech_s is not none %}; {{ f(r.quality.speech_s, 1) }} s of speech{% endif %}.</p>
{% if r.quality.reasons %}<ul>{% for x in r.quality.reasons %}<li>{{ x }}</li>{% endfor %}</ul>{% endif %}
{% if r.quality.verdict == 'unusable' %}
<div class="banner unusable"><strong>No probability: the recording is not usable.</strong> {{ r.quality.reasons | join('; ') }}.
 <br>How to re-record: {{ rerecord }}.</div>
{% elif r.quality.advice %}<p class="note">Advice: {{ r.quality.advice }}.</p>{% endif %}

{% if r.measures %}
<h2>Face</h2>
<p><strong>{{ r.affected_side.sentence }}</strong></p>
<p>{{ region_text }} Composite asymmetry index {{ f(r.composite_asymmetry, 2) }} (the most asymmetric of mouth, eye and brow, corrected for looking at three; 95 % of healthy faces score under 2.0, higher is more asymmetric).</p>
{% if frames %}<div class="frames">{% for fr in frames %}<figure><img alt="key frame {{ loop.index }}: {{ fr.label }}" width="300" src="{{ fr.src }}">
<figcaption>{{ fr.label }}, {{ f(fr.t, 1) }} s{% if r.affected_side.side %}; red circle: subject&rsquo;s {{ r.affected_side.side }} mouth corner{% endif %}</figcaption></figure>{% endfor %}</div>
<p class="note">Key frames with the landmarks drawn; R / L mark the subject&rsquo;s right and left (an unmirrored recording shows the subject&rsquo;s right on the image left). Yellow lines: pupils and mouth corners.</p>{% endif %}
{% if r.parsing %}<h3>Face parsing: the paralysed part (FPP)</h3>
<p><strong>{{ r.parsing.agreement.text }}</strong> FPP share of the face: left {{ pct(r.parsing.fpp_share_left) }}, right {{ pct(r.parsing.fpp_share_right) }} (side rule: {{ r.parsing.rule }}).</p>
{% if parsing_src %}<img alt="face parsing overlay on key frames" src="{{ parsing_src }}">{% endif %}
<p class="note">Face crops above their parsing: skin, hair, brows, eyes, mouth and, in yellow, the part the network marks as paralysed. The image left is the subject&rsquo;s right.{% if r.parsing.trained_on_synthetic %} The parsing network was trained on synthetic data.{% endif %}{% if r.parsing.fpp_offset %} The FPP was decided with the model&rsquo;s validation-chosen threshold (offset {{ '%+.2f' | format(r.parsing.fpp_offset) }}), It marks the side of the lower mouth corner, whatever lowered it, so a face without weakness can get a side too (10&ndash;23&nbsp;% of independent synthetic subjects without weakness in the measurements of docs/face_parsing.md).{% else %} The FPP was decided by the plain arg-max (no validation-chosen threshold was used; docs/face_parsing.md).{% endif %}</p>{% endif %}
{% if asym_src %}<img alt="asymmetry over time against the normal band" src="{{ asym_src }}">{% endif %}
<table><tr><th class="l">facial measure</th><th>value</th><th>unit</th><th>normal range</th><th class="l"></th></tr>
{% for m in face_rows %}<tr><td class="l">{{ m.label }}</td><td>{{ f(m.value, 2) }}</td><td>{{ m.unit }}</td><td>{{ rng(m) }}</td><td class="l">{% if m.out_of_range %}<span class="out">outside</span>{% endif %}</td></tr>{% endfor %}
</table>
<details><summary>All facial measures ({{ n_face_all }})</summary>
<table><tr><th class="l">measure</th><th>value</th><th>unit</th><th>normal range</th><th class="l"></th></tr>
{% for m in face_all %}<tr><td class="l">{{ m.name }}</td><td>{{ f(m.value, 3) }}</td><td>{{ m.unit }}</td><td>{{ rng(m) }}</td><td class="l">{% if m.out_of_range %}<span class="out">outside</span>{% endif %}</td></tr>{% endfor %}
</table></details>

{% if r.trend and r.trend.windows %}
<h2 id="trend">Signs over the recording</h2>
{% if trend_src %}<img alt="signs per window over the recording" src="{{ trend_src }}">{% endif %}
<table><tr><th class="l">sign</th><th>windows scored</th><th>time outside the normal range</th><th>time beyond the sign limit</th><th class="l">over the recording</th></tr>
{% for s in r.trend.signs %}<tr><td class="l">{{ s.label }}</td><td>{{ s.n_windows }}</td><td>{{ pct(s.share_outside_normal) }}</td><td>{{ pct(s.share_sign) }}</td><td class="l">{% if s.persistence == 'persistent' %}<span class="out">persistent</span>{% else %}{{ s.persistence }}{% endif %}</td></tr>{% endfor %}
</table>
<p class="note">{{ r.trend.note }} Windows of {{ f(r.trend.window_s, 1) }} s of kept frames, each scored against healthy faces in the same state; window probability: {{ r.trend.risk_source }}.</p>
{% endif %}
<h2>Speech</h2>
{% if speech_rows %}
{% if speech_src %}<img alt="speech measures against normal" src="{{ speech_src }}">{% endif %}
<table><tr><th class="l">speech measure</th><th>value</th><th>unit</th><th>normal range</th><th class="l"></th></tr>
{% for m in speech_rows %}<tr><td class="l">{{ m.label }}</td><td>{{ f(m.value, 2) }}</td><td>{{ m.unit }}</td><td>{{ rng(m) }}</td><td class="l">{% if m.out_of_range %}<span class="out">outside</span>{% endif %}</td></tr>{% endfor %}
</table>
<p class="note">Some speech ranges are provisional (derived from a few healthy readers); voice-quality norms hold for sustained vowels only and are not applied to free speech.</p>
{% else %}<p>No speech measures: {{ r.notes | join('; ') or 'the recording has no soundtrack' }}.</p>{% endif %}
{% endif %}

{% if r.model_used and r.probability is not none %}
<h2>What pushed the probability</h2>
{% if r.top_contributors %}
<table><tr><th class="l">measure</th><th>value</th><th>training median</th><th>normal range</th><th>contribution ({{ r.attribution.unit }})</th><th class="l">pushed</th></tr>
{% for c in r.top_contributors %}<tr><td class="l">{{ c.label }}</td><td>{{ f(c.value, 3) }}{% if c.unit %} {{ c.unit }}{% endif %}</td><td>{{ f(c.reference, 3) }}</td><td>{{ rng(c) }}</td><td>{{ sgn(c.contribution) }}</td><td class="l">{{ c.direction }}</td></tr>{% endfor %}
</table>{% endif %}
{% if r.attribution.families %}<p class="note">By measure family (sum of its measures' contributions): {% for g in r.attribution.families %}{{ g.family }} {{ sgn(g.contribution) }}{{ "; " if not loop.last }}{% endfor %}.</p>{% endif %}
<p class="note">Method: {{ r.attribution.method_text }}.</p>
{% endif %}

{% if r.model %}
<h2>Model</h2>
<p>{{ r.model.name }} ({{ r.model.kind }}), {{ r.model.version }}, trained {{ r.model.created_at }} on cohort &ldquo;{{ r.model.training_cohort.name }}&rdquo;: {{ r.model.training_cohort.n_cases }} cases{% if r.model.training_cohort.n_subjects %} of {{ r.model.training_cohort.n_subjects }} subjects{% endif %}{% if r.model.training_cohort.n_pos is defined %} ({{ r.model.training_cohort.n_pos }} stroke, {{ r.model.training_cohort.n_neg }} not stroke){% endif %}{% if r.synthetic_model %}, <strong>synthetic data</strong>{% endif %}.</p>
{% endif %}

<p class="banner disclaimer" style="margin-top:2em">{{ r.disclaimer }}{% if r.synthetic_model %} {{ synthetic_text }}{% endif %}</p>
</body></html>
"""

#: headline facial measures shown in the main table (mm and degrees)
HEADLINE_FACE = (
    "mouth_corner_height_lr_mm", "smile_excursion_lr_mm", "mouth_tilt_deg",
    "mouth_corner_midline_lr_mm", "lip_height_lr_mm", "eye_opening_lr_mm",
    "blink_amplitude_lr_mm", "brow_height_lr_mm", "brow_excursion_lr_mm",
    "nose_tip_deviation_mm", "philtrum_deviation_mm",
)


def fmt(v: Any, digits: int = 2) -> str:
    """A number for the page ("-" for missing)."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "-"
    if not math.isfinite(x):
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def pct(v: Any) -> str:
    try:
        return f"{100 * float(v):.0f} %"
    except (TypeError, ValueError):
        return "-"


def signed(v: Any) -> str:
    try:
        return f"{float(v):+.3f}"
    except (TypeError, ValueError):
        return "-"


def range_text(e: dict[str, Any]) -> str:
    lo, hi = e.get("normal_low"), e.get("normal_high")
    if lo is None and hi is None:
        return ""
    if lo is None:
        return f"< {fmt(hi)}"
    if hi is None:
        return f"> {fmt(lo)}"
    return f"{fmt(lo)} to {fmt(hi)}"


def _rows(measures: dict[str, dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    rows = []
    for name in names:
        e = measures.get(name)
        if e is None:
            continue
        label = e.get("description") or name.replace("_", " ")
        rows.append({**e, "name": name, "label": label[:1].upper() + label[1:]})
    return rows


def render_report(
    result: dict[str, Any], *, frames: list[dict[str, Any]], asym_src: str | None,
    speech_src: str | None, region_text: str, synthetic_text: str, rerecord: str,
    parsing_src: str | None = None,
    trend_src: str | None = None,
) -> str:
    """The HTML page of one assessment.

    result : the assessment's result dict (as written to result.json).
    frames : [{"src": data URI, "label": str, "t": seconds}] key frames.
    asym_src, speech_src, trend_src : data URIs of the plots, or None.
    """
    import jinja2
    import markupsafe

    from strokescreen.report.bands import BAND_LEGEND, band_svg

    env = jinja2.Environment(autoescape=True, undefined=jinja2.ChainableUndefined)
    measures = result.get("measures") or {}
    face_names = [n for n in measures if not n.startswith("speech_")]
    headline = [n for n in HEADLINE_FACE if n in measures]
    extra = [n for n in face_names if measures[n].get("out_of_range") and n not in headline
             and not n.endswith("_ipu")]
    speech = [n for n in measures if n.startswith("speech_") and measures[n].get("value") is not None]
    decision = result.get("decision", "no decision")
    dclass = {"screen positive": "d-positive", "screen negative": "d-negative",
              "signs present": "d-positive", "no signs found": "d-negative"}.get(decision, "d-none")
    return env.from_string(TEMPLATE).render(
        r=result, f=fmt, pct=pct, sgn=signed, rng=range_text, dclass=dclass,
        band=lambda s: markupsafe.Markup(band_svg(s)), band_legend=BAND_LEGEND,
        frames=frames, asym_src=asym_src, speech_src=speech_src, region_text=region_text,
        parsing_src=parsing_src, trend_src=trend_src,
        synthetic_text=synthetic_text, rerecord=rerecord,
        face_rows=_rows(measures, headline + extra),
        face_all=_rows(measures, [n for n in face_names if not n.endswith("_ipu")]),
        n_face_all=sum(1 for n in face_names if not n.endswith("_ipu")),
        speech_rows=_rows(measures, speech),
    )
