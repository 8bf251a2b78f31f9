"""nbgrader configuration of the Power Dynamics course (nbgrader 0.9.x).

Run every nbgrader command from this directory (or pass --CourseDirectory.root).
This directory is instructor material: pools/ holds the answer keys, source/ the rubrics
with their anchor and model answers, and gradebook.db holds grades.  Never publish any of
them; see book/instructor-guide.md.
"""

import os
import shutil
import sys
import warnings

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from powerdynamics.assessment import RESPONSES_FILE
from powerdynamics.grading import (
    GradeFromData,
    LimitOutputSize,
    RestoreReleasedHiddenTests,
    SanitizeTraineeHTML,
    StripHiddenTests,
    guard,
    remove_from_release,
)
from powerdynamics.grading.lms import LatePenalty, LmsFileNameCollector

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))

# -- the environment ----------------------------------------------------------------------
# nbgrader runs `alembic` from PATH when it creates the gradebook, so `.venv/bin/nbgrader`
# without an activated venv failed with FileNotFoundError: 'alembic'.  Put the directory of
# the Python running nbgrader first on PATH, only when it holds that environment's alembic.
_BIN = os.path.dirname(sys.executable)
if shutil.which("alembic", path=_BIN) and _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")
# Kernels talk to nbgrader over local IPC sockets in the private Jupyter runtime directory
# instead of TCP on 127.0.0.1: no "Kernel is running over TCP without encryption" warning
# on every validate and autograde, and no port another local user can reach.  The socket
# path is absolute (the kernel runs in the notebook's folder, nbgrader elsewhere) and names
# this process, so parallel autograde processes never pick the same socket.
if os.name == "posix":
    from jupyter_core.paths import jupyter_runtime_dir

    os.makedirs(jupyter_runtime_dir(), mode=0o700, exist_ok=True)
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = os.path.join(jupyter_runtime_dir(), f"nbgrader-{os.getpid()}")
# nbgrader 0.9.6 with SQLAlchemy 2 warns "Object of type <SubmittedAssignment> not in session"
# on every autograde; the rows are written all the same (the course's tests count them).
warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session")

# Submissions are regular files with a safe student id, checked before nbgrader copies
# anything (see "Security" in book/instructor-guide.md).
guard.install()

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
    r".*/(?P<student_id>[^/_]+)_(?P<late>LATE_)?[0-9]+_[0-9]+_(?P<file_id>[^/]+)$"
)
# Canvas flags a late file with LATE_ but gives no time: the course's collector records it as
# late (due date + 1 s; the due date is the gradebook's: nbgrader db assignment add
# <assignment> --duedate "2026-03-01 23:59:00 UTC"), so the late penalty below applies.
# A pattern with a (?P<timestamp>...) group keeps the LMS's real time instead.
# Late penalty: this share of the score per started day late (0 = no penalty).
c.AssignLatePenalties.plugin_class = LatePenalty
c.LatePenalty.share_per_day = 0.1
# nbgrader collects only .ipynb files by default: the saved quiz answers are .json.
c.FileNameCollectorPlugin.valid_ext = [".ipynb", ".json"]
# ...and only regular files of a sane size, with a safe student id, keeping the LATE_ flag.


class CourseFileNameCollector(guard.SafeFileNameCollector, LmsFileNameCollector):
    """The safety checks first, then the LMS's late flag (both extend nbgrader's collector)."""


c.ZipCollectApp.collector_plugin = CourseFileNameCollector
c.ZipCollectApp.extractor_plugin = guard.SafeExtractorPlugin
# `nbgrader collect` (exchange): the same checks; on a hub, also refuse a submission whose
# folder is not owned by the user it names (set this in the hub's nbgrader config).
c.ExchangeFactory.collect = guard.SafeCollect
c.SafeCollect.refuse_foreign_owner = False

# -- autograding --------------------------------------------------------------------------
# Grading runs no trainee code: GradeFromData replaces nbgrader's Execute.  It reads
# responses.json and the typed-answer cell as data and judges them against the keys of
# the gradebook's copy of the hidden tests.  (Execute settings still apply to validate.)
c.Execute.timeout = 20
c.Execute.interrupt_on_timeout = True
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    RestoreReleasedHiddenTests,  # an untouched release: no "checksum has changed" warning
    OverwriteCells,
    CheckCellMetadata,
]
# Output limits: lines (nbgrader) and characters per cell (one huge line passes LimitOutput).
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
c.LimitOutputSize.max_chars = 100_000
c.Autograde.autograde_preprocessors = [
    IgnorePattern,
    ClearMetadataPreprocessor,
    GradeFromData,
    LimitOutput,
    LimitOutputSize,
    SaveAutoGrades,
    AssignLatePenalties,
    SanitizeTraineeHTML,  # formgrader shows the autograded notebook: no trainee script runs
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
c.GenerateFeedback.preprocessors = [GetGrades, StripHiddenTests, SanitizeTraineeHTML,
                                    CSSHTMLHeaderPreprocessor]
# nbgrader's feedback template loads MathJax from a CDN; the course's copy, also named
# "feedback", comes first in the template search path and shadows it. The template NAME
# is left alone: formgrader's submission view sets its own ("formgrade") and a course
# value would override that, breaking every submission page (a test opens one).
c.HTMLExporter.extra_template_basedirs = guard.FEEDBACK_TEMPLATES

# -- export -----------------------------------------------------------------------------
# `nbgrader export`: a quoted CSV whose cells cannot run as spreadsheet formulas.
c.ExportApp.plugin_class = guard.SafeCsvExportPlugin
