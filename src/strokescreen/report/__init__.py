"""Per-case reports: what `strokescreen assess` renders (the workflow is in ``workflows.assess``).

texts     the fixed sentences (disclaimer, re-record advice) every report carries
risk      the risk model of one case: load, predict, explain, operating point in words
measures  measure entries (``measure --json`` structure) from a case's feature record
findings  weaker side, per-frame asymmetry and key frames (pure functions)
figures   key-frame drawings and plots as image bytes
page      reads what the page needs from the case folder and assembles it
html      the self-contained HTML template
pdf       optional PDF through headless Chromium
"""
