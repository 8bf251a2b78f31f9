"""HTML and CSV output of the instructor report.

One self-contained page (inline CSS, figures as data URIs, no script, no external
request) with accessible tables, and the CSV files beside it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from powerdynamics.analytics.stats import (
    FOLLOW_UP_SCORE,
    FOLLOW_UP_UNANSWERED,
    GROUP_SHARE,
    MIN_DISCRIMINATION,
    NO_ANSWER,
    TOO_EASY,
    TOO_HARD,
    Confusion,
    StudentStats,
)
from powerdynamics.bank.labels import CATEGORIES
from powerdynamics.grading.safety import safe_row

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from powerdynamics.analytics.charts import (
    category_alt_text,
    category_figure,
    confusion_alt_text,
    confusion_figure,
    figure_data_uri,
    item_map_alt_text,
    item_map_figure,
    short_label,
)

if TYPE_CHECKING:
    from powerdynamics.analytics.report import AssignmentReport, CourseReport, Note

# =====================================================================================
# HTML
# =====================================================================================
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1a1a1a;
background:#fff;margin:0}
main{max-width:70rem;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:1.7rem}h2{font-size:1.35rem;border-top:2px solid #ccc;padding-top:1rem;margin-top:2rem}
h3{font-size:1.1rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.92rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:#e8eef5}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.private{border:2px solid #8a4b00;background:#fff6e6;padding:.6rem 1rem}
.warning{color:#7a2e00}.info{color:#1f3f66}
figure{margin:1rem 0}img{max-width:100%;height:auto}figcaption{font-size:.9rem;color:#333}
a{color:#0b4f8a}
"""


CSV_FILES = ("items.csv", "categories.csv", "confusion.csv", "students.csv")




def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.2f}".replace("-", "\u2212") if signed else f"{value:.2f}"


def _table(caption: str, head: Sequence[str], rows: Iterable[Sequence[str]],
           numeric: Iterable[int] = (), row_header: bool = True) -> str:
    """An accessible table: a caption, column headers with scope, a header cell per row.
    Cell values must already be escaped."""
    numeric = set(numeric)
    out = [f"<table><caption>{escape(caption)}</caption><thead><tr>"]
    num = ' class="num"'
    out += [f'<th scope="col"{num if i in numeric else ""}>{escape(h)}</th>' for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cls = ' class="num"' if i in numeric else ""
            if i == 0 and row_header:
                cells.append(f'<th scope="row"{cls}>{value}</th>')
            else:
                cells.append(f"<td{cls}>{value}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _figure(fig: Figure | None, alt: str, caption: str) -> str:
    if fig is None:
        return ""
    return (f'<figure><img src="{figure_data_uri(fig)}" alt="{escape(alt)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def _choices_text(choices: Sequence[tuple[str, int]], no_answer: int) -> str:
    parts = [f"{short_label(label)} {n}" for label, n in choices]
    if no_answer:
        parts.append(f"{NO_ANSWER} {no_answer}")
    return "; ".join(parts)


def items_table_html(section: AssignmentReport) -> str:
    """The per-item table (also used by the instructor notebook)."""
    analysis = section.analysis
    if analysis is None:
        return "<p>No graded submissions: no item statistics.</p>"
    rows = []
    for s in analysis.items:
        rows.append([
            escape(s.item.id),
            escape(CATEGORIES[s.item.category].name if s.item.category in CATEGORIES
                   else (s.item.category or "not in source")),
            escape(short_label(s.item.key) if s.item.key else "unknown"),
            f"{s.correct} of {s.graded}",
            _num(s.difficulty),
            _num(s.discrimination, signed=True),
            escape(_choices_text(s.choices, s.no_answer)),
            escape(", ".join(s.flags) or "-"),
        ])
    return _table(f"Items of {section.name}: difficulty, discrimination and option counts",
                  ["Item", "Category", "Key", "Correct", "Difficulty", "Discrimination",
                   "Options chosen", "Revise?"], rows, numeric=(3, 4, 5))


def _pooled_html(section: AssignmentReport, anchor: str) -> str:
    """With per-trainee draws: each pool item over those who saw it, and the minimal pairs."""
    out = []
    if section.pooled:
        out.append(f'<h3 id="{anchor}-pool">Pool items (each over the trainees who saw it)</h3>')
        out.append(_table(
            f"Pool items of {section.name}: n, difficulty and discrimination over those who saw each",
            ["Item", "Saw it (n)", "Full marks", "Difficulty", "Discrimination", "Revise?"],
            ([escape(s.item), str(s.n), str(s.correct), _num(s.difficulty),
              _num(s.discrimination, signed=True), escape(", ".join(s.flags) or "-")]
             for s in section.pooled), numeric=(1, 2, 3, 4)))
    stats = section.answer_stats
    if stats.pairs:
        out.append(f'<h3 id="{anchor}-pairs">Minimal pairs: was the changed detail seen?</h3>')
        out.append("<p>Each pair tells one situation twice with one detail changed and a "
                   "different key. A trainee who gives a member its partner's key read the "
                   "shared situation and missed the detail that decides it.</p>")
        out.append(_table(
            f"Minimal pairs of {section.name}: answers per member",
            ["Item", "Pair", "Key", "Partner's key", "Saw it (n)", "Own key", "Partner's key given",
             "Other or none"],
            ([escape(r.item), escape(r.pair), escape(short_label(r.key)),
              escape(", ".join(short_label(k) for k in r.partner_keys)), str(r.n), str(r.right),
              str(r.partner), str(r.other)] for r in stats.pairs), numeric=(4, 5, 6, 7)))
    if stats.case_labels:
        out.append(f'<h3 id="{anchor}-case-labels">Case items: each source marked</h3>')
        out.append("<p>For a source at work the share marked is the hit rate (low: the "
                   "source is missed); for one not at work it is the false-alarm rate (high: "
                   "it is read into the situation).</p>")
        out.append(_table(
            f"Case items of {section.name}: hit and false-alarm rates per source",
            ["Item", "Source", "At work?", "Saw it (n)", "Marked", "Rate", "Chosen as decisive"],
            ([escape(r.item), escape(short_label(r.label)),
              "yes, decisive" if r.decisive else ("yes" if r.at_work else "no"), str(r.n),
              f"{r.marked} of {r.answered}", ("hit " if r.at_work else "false alarm ") + _pct(r.rate),
              str(r.chosen_decisive)] for r in stats.case_labels), numeric=(3, 4, 6)))
    if stats.cue_sentences:
        out.append(f'<h3 id="{anchor}-cue-sentences">Cue items: the sentence pointed at</h3>')
        out.append(_table(
            f"Cue items of {section.name}: how many chose each sentence as the decisive one",
            ["Item", "Sentence", "Decisive?", "Saw it (n)", "Pointed at it", "Labels given"],
            ([escape(r.item), str(r.sentence + 1), "yes" if r.decisive else "no", str(r.n),
              str(r.pointed), escape("; ".join(f"{short_label(k)} {v}" for k, v in r.labels) or "-")]
             for r in stats.cue_sentences), numeric=(1, 3, 4)))
    return "".join(out)


def _confusion_tables(confusion: Confusion, assignment: str) -> str:
    out = []
    for category, rows in confusion.rows.items():
        cols = confusion.columns[category]
        name = CATEGORIES[category].name if category in CATEGORIES else category
        body = []
        for key in rows:
            cells = [escape(short_label(key))]
            for chosen in cols:
                value = str(confusion.count(key, chosen))
                cells.append(f"<strong>{value}</strong>" if chosen == key else value)
            body.append(cells)
        out.append(_table(f"{assignment}, {name}: key (rows) against label chosen (columns); "
                          "right answers in bold",
                          ["Key / chosen", *[short_label(c) for c in cols]], body,
                          numeric=range(1, len(cols) + 1)))
    return "".join(out)


def _notes_html(notes: Sequence[Note]) -> str:
    if not notes:
        return ""
    items = "".join(f'<li class="{n.level}"><strong>{n.level.capitalize()}:</strong> '
                    f"{escape(n.text)}</li>" for n in notes)
    return f'<ul role="list">{items}</ul>'


def section_html(section: AssignmentReport, anchor: str = "assignment") -> str:
    """One assignment's part of the report (the instructor notebook shows it as is)."""
    return _section_html(section, anchor)


def _section_html(section: AssignmentReport, anchor: str) -> str:
    out = [f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">Assignment {escape(section.name)}</h2>']
    a = section.analysis
    graded = len(a.graded) if a else 0
    out.append(f"<p>{len(section.items)} autograded item(s); {section.submissions} submission(s) in "
               f"the gradebook, {graded} fully graded and analysed.</p>")
    if section.notes:
        out.append(f'<h3 id="{anchor}-messages">Messages</h3>' + _notes_html(section.notes))
    if a is None or not a.graded:
        out.append("<p>No statistics: nothing is graded yet.</p></section>")
        return "".join(out)
    out.append(f"<p>Upper and lower groups: {a.group_size} trainee(s) each "
               f"({float(GROUP_SHARE):.0%} of {graded}).</p>")

    out.append(f'<h3 id="{anchor}-confusion">Confusion matrix</h3>')
    if a.confusion.total:
        out.append(_figure(confusion_figure(a.confusion), confusion_alt_text(a.confusion, section.name),
                           "Key (rows) against the label chosen (columns). The outlined diagonal "
                           "holds right answers; large counts off the diagonal are confusions."))
        out.append(_confusion_tables(a.confusion, section.name))
    else:
        out.append("<p>No confusion matrix: no item has a known key (see the messages).</p>")

    out.append(f'<h3 id="{anchor}-items">Items</h3>')
    out.append(_figure(item_map_figure(a), item_map_alt_text(a, section.name),
                       "Each item's difficulty and discrimination; shaded areas are the revise zones."))
    out.append(items_table_html(section))
    out.append(_pooled_html(section, anchor))
    out.append(f'<h3 id="{anchor}-revise">Items to revise</h3>')
    if a.to_revise:
        out.append("<ul>" + "".join(
            f"<li><strong>{escape(s.item.id)}</strong>: {escape(', '.join(s.flags))} "
            f"(difficulty {_num(s.difficulty)}, discrimination {_num(s.discrimination, True)})</li>"
            for s in a.to_revise) + "</ul>")
    else:
        out.append("<p>No item is flagged.</p>")

    out.append(f'<h3 id="{anchor}-categories">Categories</h3>')
    if a.categories:
        out.append(_figure(category_figure(a), category_alt_text(a, section.name),
                           "Share of answers correct per category."))
        out.append(_table(f"Accuracy per category, {section.name}",
                          ["Category", "Items", "Answers", "Correct", "Accuracy"],
                          ([escape(CATEGORIES[c.category].name if c.category in CATEGORIES else c.category),
                            str(c.items), str(c.answers), str(c.correct), _pct(c.accuracy)]
                           for c in a.categories), numeric=(1, 2, 3, 4)))
    else:
        out.append("<p>No category is known for these items.</p>")

    out.append(f'<h3 id="{anchor}-follow-up">Trainees who may need follow-up</h3>')
    if a.follow_up:
        out.append(_table(f"Trainees who may need follow-up, {section.name}",
                          ["Trainee", "Quiz score", "Total with hand-graded", "Unanswered",
                           "Review next", "Why"],
                          ([escape(s.student), f"{s.score:g} of {s.max_score:g}", _total(s),
                            str(s.unanswered),
                            escape(_category_name(s.weakest_category)), escape("; ".join(s.reasons))]
                           for s in a.follow_up), numeric=(1, 2, 3)))
    else:
        out.append("<p>Nobody is below the follow-up thresholds.</p>")
    out.append("<details><summary>All graded trainees</summary>")
    out.append(_table(f"All graded trainees, {section.name}",
                      ["Trainee", "Score", "Correct", "Unanswered", "Saved answers", "Review next"],
                      ([escape(s.student), f"{s.score:g} of {s.max_score:g}", f"{s.correct} of {s.items}",
                        str(s.unanswered), escape(s.responses), escape(_category_name(s.weakest_category))]
                       for s in a.students), numeric=(1, 2, 3)))
    out.append("</details></section>")
    return "".join(out)


def _total(s: StudentStats) -> str:
    if not s.hand_max:
        return "-"
    return "hand-graded part not graded yet" if s.total is None else f"{s.total:g} of {s.total_max:g}"


def _category_name(slug: str | None) -> str:
    if slug is None:
        return "-"
    return CATEGORIES[slug].name if slug in CATEGORIES else slug


def _definitions_html() -> str:
    return (
        '<section aria-labelledby="definitions"><h2 id="definitions">How the figures are computed</h2><ul>'
        "<li><strong>Difficulty</strong>: share of graded trainees with full marks on the item.</li>"
        f"<li><strong>Discrimination</strong>: share correct in the upper group minus share correct "
        f"in the lower group; each group is {float(GROUP_SHARE):.0%} of graded trainees by total "
        "item score (rounded half up, at least one). Trainees tied at a group boundary share the "
        "remaining places equally.</li>"
        f"<li><strong>Items to revise</strong>: difficulty above {TOO_EASY:.0%} (too easy), below "
        f"{TOO_HARD:.0%} (too hard), or discrimination below {MIN_DISCRIMINATION:g} (the weaker "
        "group does better: check the key and the vignette).</li>"
        f"<li><strong>Follow-up</strong>: a trainee below {FOLLOW_UP_SCORE:.0%} of the item points, "
        f"with at least {float(FOLLOW_UP_UNANSWERED):.0%} of items unanswered, without a "
        "readable saved answers file, or, once the hand-graded cells (reflections) are graded, "
        f"below {FOLLOW_UP_SCORE:.0%} on them or on the total with them. A flag is a prompt for "
        "a conversation, not a verdict.</li>"
        "<li>Only fully graded submissions are analysed; hand-graded cells (reflections) are not "
        "items: they count in the follow-up list and the total, not in the item statistics.</li>"
        "</ul></section>"
    )


def render_html(report: CourseReport) -> str:
    """The whole report as one self-contained HTML page (no script, no external request)."""
    anchors = {s.name: f"a-{i}" for i, s in enumerate(report.assignments, start=1)}
    nav = ""
    if report.assignments:
        nav = ('<nav aria-label="Assignments"><ul>' + "".join(
            f'<li><a href="#{anchors[s.name]}">{escape(s.name)}</a></li>' for s in report.assignments)
            + "</ul></nav>")
    course_notes = ""
    if report.notes:
        course_notes = '<h2 id="messages">Messages</h2>' + _notes_html(report.notes)
    if not report.assignments:
        course_notes += "<p>There is nothing to analyse in this course yet.</p>"
    body = "".join(_section_html(s, anchors[s.name]) for s in report.assignments)
    title = f"Item analysis: {report.course_id}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>"
        f"<h1>{escape(title)}</h1>"
        '<p class="private" role="note"><strong>Instructor material.</strong> This report shows '
        "answer keys and trainees' names and scores. Keep it with the gradebook; do not publish "
        "it or share it with trainees.</p>"
        f"<p>Course directory: <code>{escape(str(report.course_dir))}</code>; gradebook: "
        f"<code>{escape(str(report.gradebook))}</code>.</p>"
        f"{nav}{course_notes}{body}{_definitions_html()}</main></body></html>\n"
    )


# =====================================================================================
# CSV
# =====================================================================================
def _f(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def write_csvs(report: CourseReport, folder: Path, suffix: str = "") -> list[Path]:
    """``items.csv``, ``categories.csv``, ``confusion.csv``, ``students.csv`` (headers always);
    ``suffix`` goes before ``.csv`` (``items-a1.csv``) for a one-assignment report.

    ``students.csv`` says ``quiz_score`` for the autograded items only, ``hand_graded_score``
    for the reflections and ``total_score`` for both (before any late penalty), so that no
    column shares its name with nbgrader's ``grades.csv`` ``score`` (total after penalty)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[list[str]]] = {
        "items.csv": [["assignment", "item", "category", "key", "max_score", "graded", "correct",
                       "difficulty", "discrimination", "p_upper", "p_lower", "no_answer", "choices",
                       "flags"]],
        "categories.csv": [["assignment", "category", "name", "items", "answers", "correct",
                            "accuracy"]],
        "confusion.csv": [["assignment", "category", "key", "chosen", "count"]],
        "students.csv": [["assignment", "student", "quiz_score", "quiz_max_score", "quiz_share",
                          "correct", "items", "unanswered", "responses", "hand_graded_score",
                          "hand_graded_max_score", "total_score", "total_max_score",
                          "weakest_category", "follow_up", "reasons"]],
    }
    for section in report.assignments:
        a = section.analysis
        if a is None:
            continue
        for s in a.items:
            tables["items.csv"].append([
                section.name, s.item.id, s.item.category or "", s.item.key or "", _f(s.item.max_score),
                str(s.graded), str(s.correct), _f(s.difficulty), _f(s.discrimination), _f(s.p_upper),
                _f(s.p_lower), str(s.no_answer), "; ".join(f"{k}={n}" for k, n in s.choices),
                "; ".join(s.flags)])
        for c in a.categories:
            tables["categories.csv"].append([
                section.name, c.category, _category_name(c.category), str(c.items), str(c.answers),
                str(c.correct), _f(c.accuracy)])
        for category, keys in a.confusion.rows.items():
            for key in keys:
                for chosen in a.confusion.columns[category]:
                    tables["confusion.csv"].append([section.name, category, key, chosen,
                                                    str(a.confusion.count(key, chosen))])
        for st in a.students:
            tables["students.csv"].append([
                section.name, st.student, _f(st.score), _f(st.max_score), _f(st.share), str(st.correct),
                str(st.items), str(st.unanswered), st.responses,
                _f(st.hand_score) if st.hand_max else "", _f(st.hand_max) if st.hand_max else "",
                _f(st.total), _f(st.total_max), st.weakest_category or "",
                "yes" if st.follow_up else "no", "; ".join(st.reasons)])
    pooled = [section for section in report.assignments if getattr(section, "pooled", None)]
    if pooled:  # per-trainee draws (issue 12): each item over those who saw it
        rows = [["assignment", "item", "n", "correct", "difficulty", "discrimination", "p_upper",
                 "p_lower", "flags"]]
        for section in pooled:
            rows += [[section.name, s.item, str(s.n), str(s.correct), _f(s.difficulty),
                      _f(s.discrimination), _f(s.p_upper), _f(s.p_lower), "; ".join(s.flags)]
                     for s in section.pooled or ()]
        tables["pooled-items.csv"] = rows
    stats = [(section.name, section.answer_stats) for section in report.assignments]
    if any(st.pairs for _, st in stats):  # minimal pairs (issue 11): the other member's key given
        tables["pairs.csv"] = [["assignment", "pair", "item", "key", "partner_keys", "n", "own_key",
                                "partner_key", "other"]] + [
            [name, r.pair, r.item, r.key, " ".join(r.partner_keys), str(r.n), str(r.right),
             str(r.partner), str(r.other)] for name, st in stats for r in st.pairs]
    if any(st.case_labels for _, st in stats):  # per source of a case item: hits, false alarms
        tables["case-labels.csv"] = [["assignment", "item", "label", "at_work", "decisive", "n",
                                      "answered", "marked", "rate", "chosen_decisive"]] + [
            [name, r.item, r.label, "yes" if r.at_work else "no", "yes" if r.decisive else "no",
             str(r.n), str(r.answered), str(r.marked), _f(r.rate), str(r.chosen_decisive)]
            for name, st in stats for r in st.case_labels]
    if any(st.cue_sentences for _, st in stats):  # per sentence of a cue item: pointed at
        tables["cue-sentences.csv"] = [["assignment", "item", "sentence", "decisive", "n", "pointed",
                                        "labels"]] + [
            [name, r.item, str(r.sentence + 1), "yes" if r.decisive else "no", str(r.n), str(r.pointed),
             "; ".join(f"{k} {v}" for k, v in r.labels)] for name, st in stats for r in st.cue_sentences]
    paths = []
    for name, rows in tables.items():
        path = folder / name.replace(".csv", f"{suffix}.csv")
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(safe_row(row) for row in rows)
        paths.append(path)
    return paths
