"""Pure domain logic of the recommendations service (no I/O, no clock: time is passed in).

Modules, each small and named for what it holds:
- formatting: Indonesian number display (decimal comma) used in every explanation.
- ids: ids derived from their cause (same decision, same id) and the texts' length limit.
- catalogue: what the domain needs to know about a programme, and which ones fit a field.
- facts: the inputs the read models supply (gap, staff profile, learning record, intervals).
- rules: the HR office's rules file (weak SKM element -> competencies -> programmes).
- cohort: who should attend, in order of need, split into sessions.
- scheduling: working-day session dates that double-book nobody.
- decisions: the top-level answer to a gap event (schedule, skip, or flag to management).
- recommend: ranked personal recommendations with reasons in Indonesian and English.
- nudges: persuasion for people who decline or skip training, with explicit escalation.
- impact: Kirkpatrick level 4, the unit's element score after versus before training.
- follow_ups: a gap that persists after its programme, as a gap of the later period.
"""
