"""nbgrader configuration of the Power Dynamics course (nbgrader 0.9.x).

Run every nbgrader command from this directory (or pass --CourseDirectory.root).
This directory is instructor material: source/ holds the answer keys (hidden tests)
and gradebook.db holds grades.  Never publish either; see book/instructor-guide.md.
"""

import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    Execute,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from powerdynamics.assessment import RESPONSES_FILE
from powerdynamics.grading import LimitOutputSize, StripHiddenTests, remove_from_release

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))

# -- the course directory -----------------------------------------------------------------
c.CourseDirectory.course_id = "power-dynamics"
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")

# Every assignment folder in source/ (new ones are picked up automatically).
SOURCE = os.path.join(HERE, "source")
ASSIGNMENTS = sorted(
    name for name in (os.listdir(SOURCE) if os.path.isdir(SOURCE) else [])
    if os.path.isdir(os.path.join(SOURCE, name)) and not name.startswith(".")
)

# -- releasing ----------------------------------------------------------------------------
# The typed-answer cell keeps a valid (empty) dict in the release, instead of nbgrader's
# default "raise NotImplementedError()" stub, so trainees who use the quiz can ignore it.
c.ClearSolutions.code_stub = {
    "python": '# Type your answers here, one per line, e.g. "<item id>": "<label>",'
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# An instructor who tries the quiz in source/ writes source/<assignment>/responses.json:
# never release it (it would hold the instructor's, i.e. correct, answers).
c.GenerateAssignment.post_convert_hook = remove_from_release(
    [RESPONSES_FILE, RESPONSES_FILE + ".corrupt-*", "." + RESPONSES_FILE + ".*.tmp"]
)

# -- collecting from an LMS (nbgrader zip_collect) ----------------------------------------------
# Put the LMS download (zip files or loose files) in downloaded/<assignment>/archive/.
# The file name must give the student id and the original file name.  This pattern fits
# Canvas's "Download submissions" names, e.g. ``doejane_LATE_123456_7890123_responses.json``
# (login_[LATE_]userid_submissionid_original-name); adapt it to your LMS.
c.FileNameCollectorPlugin.named_regexp = (
    r".*/(?P<student_id>[^/_]+)_(?:LATE_)?[0-9]+_[0-9]+_(?P<file_id>[^/]+)$"
)
# nbgrader collects only .ipynb files by default: the saved quiz answers are .json.
c.FileNameCollectorPlugin.valid_ext = [".ipynb", ".json"]

# -- autograding --------------------------------------------------------------------------
# nbgrader's own Execute class: ExecutePreprocessor.timeout is ignored when both are set.
c.Execute.timeout = 20
c.Execute.interrupt_on_timeout = True
# Output limits: lines (nbgrader) and characters per cell (one huge line passes LimitOutput).
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
c.LimitOutputSize.max_chars = 100_000
c.Autograde.autograde_preprocessors = [
    Execute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    LimitOutputSize,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# The widget's saved answers are part of the submission: autograde must not replace them
# with a file of the same name from source/ (nbgrader overwrites extra files by default).
c.Autograde.exclude_overwriting = {name: [RESPONSES_FILE] for name in ASSIGNMENTS}
# A trainee who deletes a graded cell gets it back (and graded) instead of a hole.
c.OverwriteCells.add_missing_cells = True

# -- feedback -----------------------------------------------------------------------------
# ClearHiddenTests alone leaks: failing hidden tests show their source in the traceback.
# StripHiddenTests removes hidden-test regions, their error outputs and mark schemes.
c.GenerateFeedback.preprocessors = [GetGrades, StripHiddenTests, CSSHTMLHeaderPreprocessor]
