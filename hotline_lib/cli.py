"""The ``hotline`` command: each command calls one library function and turns its error into one line.

Every text here is a msgid (core/i18n.py): help and option texts are marked with N_ and translated when
help is shown (HelpCommand, HelpGroup), so that HOTLINE_LANG decides at run time, not at import."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperCommand, TyperGroup

from hotline_lib.core.errors import HotlineError
from hotline_lib.core.i18n import N_, gettext as _, names


def _translate_help(command, ctx) -> None:
    """The command's help, its parameters' help and (for the group) its commands', in the reader's language."""
    for item in [command, *command.get_params(ctx)]:
        if isinstance(getattr(item, "help", None), str):
            item.help = _(item.help)
    for sub in getattr(command, "commands", {}).values():
        _translate_help(sub, ctx)


@contextmanager
def _folding_help():
    """Help that wraps whole in any terminal. Rich wraps at spaces and, in typer's tables, cuts a longer
    run with "…": a Chinese sentence has no spaces, so its end was lost at 80 columns (and a long option
    name at 60). Folded, a run too long for its line goes on on the next (Chinese breaks between any two
    characters). typer passes every help text and option name through its highlighters: those are
    wrapped while help is shown."""
    from typer import rich_utils

    names = [name for name in ("highlighter", "negative_highlighter") if hasattr(rich_utils, name)]
    originals = {name: getattr(rich_utils, name) for name in names}

    def folding(highlight):
        def highlighted(text):
            made = highlight(text)
            made.overflow = "fold"
            return made
        return highlighted

    for name in names:
        setattr(rich_utils, name, folding(originals[name]))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(rich_utils, name, original)


class HelpCommand(TyperCommand):
    """A command whose help is translated when shown, and folds rather than cuts."""

    def format_help(self, ctx, formatter):
        _translate_help(self, ctx)
        with _folding_help():
            return super().format_help(ctx, formatter)


class HelpGroup(TyperGroup):
    """The ``hotline`` group: its help and each command's summary translated when shown, folded not cut."""

    def format_help(self, ctx, formatter):
        _translate_help(self, ctx)
        with _folding_help():
            return super().format_help(ctx, formatter)


app = typer.Typer(
    cls=HelpGroup,
    help=N_("12345政务热线情况通报: score member units, compute a month's figures, render the bulletin."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_state = {"debug": False}
#: click's own text for --help, said in the reader's language like every other help text.
HELP_OPTION = N_("Show this message and exit.")


#: What a command reports as one line: our own errors, and the operating system's (a full disk,
#: a folder without write permission, a file another program holds open).
EXPECTED = (HotlineError, OSError)


def _one_line(error: Exception) -> str:
    if isinstance(error, OSError) and not isinstance(error, HotlineError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or error}"
    return " ".join(str(error).split("\n"))


def _show_warnings() -> None:
    """The library's logged warnings (an exemptions file under a name the settings do not expect, say)
    on stderr, in the reader's language, once each; a render collects its sections' warnings itself."""
    import logging

    from hotline_lib.core.i18n import LogFormatter

    class EchoWarnings(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            typer.echo(self.format(record), err=True)

    logger = logging.getLogger("hotline_lib")
    logger.setLevel(logging.WARNING)
    logger.propagate = False   # said here, not again by a handler of the root logger
    for handler in [h for h in logger.handlers if type(h).__name__ == "EchoWarnings"]:
        logger.removeHandler(handler)
    handler = EchoWarnings(logging.WARNING)
    handler.setFormatter(LogFormatter())
    logger.addHandler(handler)


#: The exit status of a command whose reader went away, as of a program stopped by SIGPIPE (128 + 13)
CLOSED_PIPE = 141


def _closed_pipe() -> None:
    """The reader of our output has gone (``hotline notebooks diff | head``): nothing is wrong and
    nothing is said; what is left to print goes nowhere, also Python's last flush at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):   # no real stdout (a test's runner)
        pass
    sys.exit(CLOSED_PIPE)


def _fail(error: Exception) -> None:
    """Print an expected error as one line on stderr and exit 1 (the traceback only with --debug); a
    closed pipe on stdout is no error (``_closed_pipe``)."""
    if isinstance(error, BrokenPipeError):
        _closed_pipe()
    if _state["debug"]:
        raise error
    typer.echo(_("Error: {message}", message=_one_line(error)), err=True)
    raise typer.Exit(1)


#: The data folder option's help: the default is the working folder's own (settings data_folder).
DATA_HELP = N_("Folder of exports and inputs. Default: the settings' data_folder (data/exports; the repository's: data/sample).")
OUT_HELP = N_("Outputs folder. Default: outputs/ of the working folder.")
SETTINGS_HELP = N_("District settings (YAML). Default: data/settings.yaml.")
UNITS_HELP = N_("Unit directory (YAML). Default: data/units.yaml.")
RULES_HELP = N_("Scoring rules: a shipped scheme (hotline rules list) or a rules file (YAML). Default: data/rules.yaml if there, else the shipped rules.")


def _workspace(data=None, out=None, settings=None, units=None, rules=None, notebooks=None):
    """The working folder this command runs in, with its options: every path of the run, resolved
    once (io/workspace.py). Outside a working folder, the one-line error."""
    from hotline_lib.io.workspace import Workspace

    try:
        if rules is not None and not Path(rules).exists():
            from hotline_lib.scoring.rules import rules_path

            rules = rules_path(rules)   # a shipped scheme's id (hotline rules list) too: --rules lianyungang
        return Workspace.open(data=data, outputs=out, settings=settings, units=units, rules=rules, notebooks=notebooks)
    except EXPECTED as exc:
        _fail(exc)


def _found_working_folder() -> Path | None:
    """The working folder the command runs in, or None outside one (a broken HOTLINE_HOME: the one-line error)."""
    from hotline_lib.core.config import find_project_root

    try:
        return find_project_root()
    except EXPECTED as exc:
        _fail(exc)


def _checked_rules(workspace, name=None):
    """The run's rules, loaded before any input is read, the units its groups list checked against the
    working folder's unit directory (scoring/workspace_rules.py); any problem: the one-line error."""
    from hotline_lib.scoring.workspace_rules import workspace_rules

    try:
        return workspace_rules(workspace, name)
    except EXPECTED as exc:
        _fail(exc)


def _working_folder() -> Path:
    """The working folder the command runs in, or the one-line error (every command but init needs one)."""
    from hotline_lib.core.config import project_root

    try:
        return project_root()
    except EXPECTED as exc:
        _fail(exc)


@app.callback()
def main_options(debug: bool = typer.Option(False, "--debug", help=N_("Show full tracebacks on errors."))) -> None:
    _state["debug"] = debug
    _pin_project_root()


def _pin_project_root() -> None:
    """Fix the working folder once, as HOTLINE_HOME, for the command and everything it starts: the
    notebooks' kernels run in the notebooks' folder (an analyst's copy may lie elsewhere) and the
    workers of a range in theirs. Outside a working folder nothing is fixed (init, rules list/show and
    score FILE --rules NAME|PATH work anywhere; every other command stops with the one-line error)."""
    import os

    from hotline_lib.core.config import find_project_root

    if not os.environ.get("HOTLINE_HOME"):
        root = find_project_root()
        if root is not None:
            os.environ["HOTLINE_HOME"] = str(root)


@app.command(help=N_("Make a district's working folder: notebooks/, data/ (settings, units, rules, exports/) and outputs/."),
             cls=HelpCommand)
def init(
    folder: Path = typer.Argument(..., help=N_("The working folder to make: new, empty, or a working folder missing files.")),
    district: Optional[str] = typer.Option(None, "--district", help=N_("The district's name, written into data/settings.yaml.")),
    issuer: Optional[str] = typer.Option(None, "--issuer", help=N_("The issuing office, signed under the bulletin. Default: the district's 12345 office.")),
    city: Optional[str] = typer.Option(None, "--city", help=N_("The city the district belongs to (its ranking compares the city's districts).")),
    rules: Optional[str] = typer.Option(None, "--rules", help=N_("The scoring scheme to start from: a shipped one (hotline rules list) or a rules file. Default: furong.")),
) -> None:
    from hotline_lib.core.numbers import format_score
    from hotline_lib.io.project import init_project
    from hotline_lib.scoring.rules import common_full_marks, load_rules, rules_path

    try:
        scheme = load_rules(rules) if rules is not None else None
        made = init_project(folder, district, issuer=issuer, city=city, rules=rules_path(rules) if rules else None,
                            excellent_score=format_score(common_full_marks(scheme)) if scheme else None)
    except EXPECTED as exc:
        _fail(exc)
    if made:
        typer.echo(_("made {folder}: {count} files and folders in notebooks/, data/ and outputs/ (exports go in {exports}; "
                     "data/README.md says what goes where)", folder=folder, count=len(made), exports=Path(folder, "data", "exports")))
    else:
        typer.echo(_("{folder} is already a working folder: nothing to add", folder=folder))
    typer.echo(_("next:") + "\n" + _("  cd {folder}\n  (put the platform's 工单 and 派单 exports into data/exports/)\n"
                                      "  hotline units --from-exports\n  hotline report YYYY-MM", folder=folder))


@app.command(help=N_("Draft the unit directory (data/units.yaml) from the units the exports name."), cls=HelpCommand)
def units(
    from_exports: bool = typer.Option(False, "--from-exports", help=N_("Add every unit the exports name that the directory lacks (an analyst's entries are kept).")),
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    rules: Optional[str] = typer.Option(None, "--rules", help=RULES_HELP),
) -> None:
    from hotline_lib.io.units_from_exports import draft_units
    from hotline_lib.scoring.rules import load_rules

    workspace = _workspace(data, rules=rules)
    if not from_exports:
        _fail(HotlineError("say where the units come from: hotline units --from-exports"))
    try:
        # the kinds the scheme's groups go by (连云港: 县, 区, 板块, 市直部门)
        added = draft_units(workspace, kinds=load_rules(workspace.rules_file).accepted_kinds)
    except EXPECTED as exc:
        _fail(exc)
    if added.empty:
        typer.echo(_("{file}: already lists every unit the exports name ({count} units); nothing added",
                     file=workspace.units_file, count=len(added.attrs["known"])))
        return
    kinds = added["kind"].value_counts()
    typer.echo(_("{file}: added {count} units from {data} ({kinds}); check each 类别 (kind) and display name before the "
                 "first render", file=workspace.units_file, count=len(added), data=workspace.data_label(),
                 kinds="、".join(f"{kind} {n}" for kind, n in kinds.items())))


@app.command(help=N_("Score each member unit (总分, 排名 and the points of every item of the rules) from a per-unit table."),
             cls=HelpCommand)
def score(
    file: Path = typer.Argument(..., help=N_("Per-unit statistics table (.csv in UTF-8/GBK/GB18030, or .xlsx, .xls, .xlsb, .ods).")),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help=N_("Write the scored table here (CSV, UTF-8 with BOM). Default: standard output.")),
    rules: Optional[str] = typer.Option(None, "--rules", help=RULES_HELP),
    check: bool = typer.Option(False, "--check", help=N_("Compare with the table's published 总分 and 排名; exit 1 on any mismatch.")),
    workbook: Optional[Path] = typer.Option(None, "--workbook", help=N_("Also write why each point was lost to this .xlsx (sheets 汇总 and 挽回).")),
    manual: Optional[Path] = typer.Option(None, "--manual", help=N_("Hand-judged points (部门名称, 项目, 得分, 原因) for the rules' hand-judged items; those not given take their default.")),
) -> None:
    from hotline_lib.io.platform import load_columns
    from hotline_lib.scoring.leaderboard import score_file, score_rules_file, score_workbook, write_csv
    from hotline_lib.scoring.rules import rules_path
    from hotline_lib.scoring.score import uses_deductions_only
    from hotline_lib.scoring.workspace_rules import rules_for_units

    # the working folder's rules by default; a scheme or file named by --rules needs none (its units are
    # then checked against the table's), but a folder found gives its unit directory and header spellings
    folder = _working_folder() if rules is None else _found_working_folder()
    try:
        columns = load_columns(folder / "data" / "columns.yaml" if folder else None)   # the platform's spellings
        scheme = rules_for_units(rules, folder / "data" / "units.yaml" if folder else None)
        if uses_deductions_only(scheme) and manual is None:
            board = score_file(file, rules, check=check, columns=columns)
        elif check or workbook is not None:
            raise HotlineError("--check and --workbook work with a scheme of deductions only (such as furong); "
                               "{scheme} earns points or has groups", scheme=scheme.id)
        else:
            board = score_rules_file(file, scheme, columns=columns, manual=manual, rules_file=rules_path(rules))
        if workbook is not None:
            score_workbook(file, rules, workbook, columns=columns)
        if output is not None:
            write_csv(board.table, output)
    except EXPECTED as exc:
        _fail(exc)
    for line in board.left_out:
        typer.echo(line, err=True)
    if workbook is not None:
        typer.echo(_("{workbook}: 汇总 ({units} units) and 挽回", workbook=workbook, units=board.units), err=True)
    if output is None and not check and workbook is None:
        write_csv(board.table, sys.stdout)
    if check:
        for line in board.mismatches:
            typer.echo(line)
        matched = board.units - len(board.mismatches)
        typer.echo(_("{matched} of {units} units match", matched=matched, units=board.units))
        raise typer.Exit(1 if board.mismatches else 0)


@app.command(help=N_("Compute a month's unit figures (the appendix columns) or district figures from order-level exports."), cls=HelpCommand)
def stats(
    month: str = typer.Option(..., "--month", help=N_("The month, as YYYY-MM.")),
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help=N_("Write the unit table here (CSV, UTF-8 with BOM). Default: standard output.")),
    units: Optional[Path] = typer.Option(None, "--units", help=UNITS_HELP),
    settings: Optional[Path] = typer.Option(None, "--settings", help=SETTINGS_HELP),
    district: bool = typer.Option(False, "--district", help=N_("Print the district figures as JSON instead of the unit table.")),
    out: Path = typer.Option(None, "--out", help=N_("Outputs folder for <month>/rejects.csv, duplicates.csv and accounting.json. Default: outputs/ of the working folder.")),
    engine: str = typer.Option("auto", "--engine", help=N_("pandas, duckdb, or auto (DuckDB from 2 million assignments on).")),
    rules: Optional[str] = typer.Option(None, "--rules", help=N_("Also write the columns these rules read beyond the appendix's (sanlv: 基本满意数, 已联系数, 已解决数), so that `hotline score --rules` takes the table: a shipped scheme or a rules file. Default: the working folder's rules.")),
) -> None:
    import json

    from hotline_lib.figures.counts import APPENDIX_COLUMNS, format_unit_figures
    from hotline_lib.scoring.leaderboard import write_csv
    from hotline_lib.figures.month import compute_month
    from hotline_lib.core.privacy import mask_strings
    from hotline_lib.io.coverage import missing_column_warnings, missing_columns
    from hotline_lib.core.i18n import names
    from hotline_lib.scoring.rules_input import required_columns, rule_columns

    workspace = _workspace(data, out, settings, units)
    scheme = None if district else _checked_rules(workspace, rules)   # the unit table's columns follow the rules
    _show_warnings()
    try:
        figures = compute_month(month, workspace, workspace.outputs, engine=engine)
    except EXPECTED as exc:
        _fail(exc)
    for row in figures.accounting.itertuples():
        typer.echo(_("  {file}: {read} read = {used} used + {duplicates} duplicates + {rejected} invalid", file=row.file,
                     read=row.read, used=row.used, duplicates=row.duplicates, rejected=row.rejected), err=True)
    for entry in figures.exports.skipped_files():
        typer.echo(_("  {file}: skipped: {reason}", file=entry["file"], reason=entry["reason"]), err=True)
    typer.echo(_("{summary}; written to {folder}", summary=figures.exports.summary(), folder=figures.rejects_path.parent),
               err=True)
    reads = required_columns(scheme, set()) if scheme is not None else ()   # 是否联系 matters only to rules reading 已联系数
    for warning in missing_column_warnings(missing_columns(figures.exports.sources, month, reads), month):
        typer.echo(warning, err=True)   # an optional column none of the month's exports holds
    if district:  # channel and category names come from the data
        typer.echo(json.dumps(mask_strings(figures.district), ensure_ascii=False, indent=2))
        return
    extra, lacking = rule_columns(scheme, figures.unit_table.columns, APPENDIX_COLUMNS)
    if lacking:
        typer.echo(_("{scheme} also reads {columns}, which the exports do not give: add them to the table before "
                     "`hotline score`", scheme=scheme.id, columns=names(lacking)), err=True)
    # the appendix's columns, then those the rules read beyond them
    table = format_unit_figures(figures.unit_table[["类别", "部门名称", *APPENDIX_COLUMNS, *extra]])
    write_csv(table, output if output is not None else sys.stdout)


@app.command(help=N_("Generate realistic sample exports for 芙蓉区, 2020-01 to 2021-06 (December 2020 as published)."), cls=HelpCommand)
def sample(
    out: Path = typer.Option(None, "--out", help=N_("Where to write the sample. Default: data/sample of the working folder.")),
    seed: int = typer.Option(20201231, "--seed", help=N_("Random seed: the same seed gives the same bytes.")),
) -> None:
    from hotline_lib.core.config import sample_dir
    from hotline_lib.sample.exports import check_sample_folder, generate_sample

    _workspace()
    try:
        check_sample_folder(out or sample_dir())
    except EXPECTED as exc:
        _fail(exc)
    typer.echo(_("generating 18 months of sample exports in {folder} (about 20 s)…", folder=out or sample_dir()), err=True)
    try:
        report = generate_sample(out or sample_dir(), seed)
    except EXPECTED as exc:
        _fail(exc)
    typer.echo(_("wrote {files} export files to {folder}: {orders} orders, {assignments} assignments (+{duplicates} "
                 "duplicated and {invalid} invalid rows for the reader to catch), city rankings and case stories",
                 files=len(report.files), folder=report.out / "exports", orders=report.orders,
                 assignments=report.assignments, duplicates=report.duplicates, invalid=report.invalid))


@app.command(help=N_("Render a month's bulletin (outputs/<month>/bulletin.html, figures.json, notebooks), or every month of a range."), cls=HelpCommand)
def report(
    month: Optional[str] = typer.Argument(None, help=N_("The month, as YYYY-MM (or use --from and --to).")),
    start: Optional[str] = typer.Option(None, "--from", help=N_("First month of a range, YYYY-MM.")),
    end: Optional[str] = typer.Option(None, "--to", help=N_("Last month of a range, YYYY-MM.")),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help=N_("Months rendered in parallel (a range only).")),
    force: bool = typer.Option(False, "--force", help=N_("Re-render months whose inputs have not changed, and e-mailed months (their sent files are kept in sent-<time>/).")),
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
    settings: Optional[Path] = typer.Option(None, "--settings", help=SETTINGS_HELP),
    units: Optional[Path] = typer.Option(None, "--units", help=UNITS_HELP),
    rules: Optional[str] = typer.Option(None, "--rules", help=RULES_HELP),
    notebooks: Optional[Path] = typer.Option(None, "--notebooks", help=N_("Folder of section notebooks (an analyst's edited copy). Default: notebooks/.")),
    formats: Optional[str] = typer.Option(None, "--formats", help=N_("Formats to write, e.g. html,pdf (html, pdf, docx). Default: the settings' formats.")),
) -> None:
    if month and (start or end):
        _fail(HotlineError("give a MONTH or --from/--to, not both"))
    if not month and not (start and end):
        _fail(HotlineError("give a MONTH (like 2020-12), or both --from and --to"))
    kernel = _early_kernel(notebooks) if month else None
    try:
        workspace = _workspace(data, out, settings, units, rules, notebooks)
        _checked_rules(workspace)
        if month:
            _report_month(month, workspace, formats, force, kernel)
        else:
            _report_range(start, end, jobs, force, workspace, formats)
    finally:
        if kernel is not None:
            kernel.shutdown()


def _early_kernel(notebooks: Path | None):
    """A month's kernel, started before the working folder and its data are read (its imports take
    longer than our reading: a month is ready about half a second sooner); None when it cannot start
    (the render then starts its own, and says why if it cannot either)."""
    from hotline_lib.core.config import find_project_root
    from hotline_lib.render.kernel import Kernel

    try:
        root = find_project_root()
        folder = Path(notebooks).resolve() if notebooks else (root / "notebooks" if root is not None else None)
        return Kernel(folder) if folder is not None and folder.is_dir() else None
    except Exception:
        return None


def _data_named(workspace) -> str:
    """How a render names the data it reads: its folder, and whether it is the sample."""
    return _("{folder} (sample data)", folder=workspace.data_label()) if workspace.is_sample else workspace.data_label()


def _report_month(month, workspace, formats, force, kernel=None) -> None:
    from hotline_lib.core.numbers import plain_value
    from hotline_lib.core.errors import SentBulletin
    from hotline_lib.render.formats import choose_formats
    from hotline_lib.render.month import check_render_inputs, render_month
    from hotline_lib.render.notebooks import section_notebooks

    try:
        check_render_inputs(month, workspace)
        count = len(section_notebooks(workspace.notebooks))
        chosen = choose_formats(formats, workspace.settings)
    except EXPECTED as exc:
        _fail(exc)
    typer.echo(_("rendering {month} from {data} ({count} section notebooks, one kernel; {formats})…", month=month,
                 data=_data_named(workspace), count=count, formats=names(chosen)), err=True)
    try:
        if kernel is not None and Path(kernel.cwd) != Path(workspace.notebooks).resolve():
            kernel = None   # (started in another folder than the one the render runs in)
        result = render_month(month, workspace, chosen, force, kernel=kernel)
    except SentBulletin as exc:
        typer.echo(_("skipped: {reason}", reason=exc), err=True)
        return
    except EXPECTED as exc:
        _fail(exc)
    for warning in result.warnings:
        typer.echo(warning, err=True)
    for section, changed in result.overrides.items():
        typer.echo(_("note: section {section} overrides settings: {settings}", section=section, settings=", ".join(
            _("{name} = {used} (settings: {setting})", name=name, used=plain_value(value["used"]),
              setting=plain_value(value["settings"])) for name, value in changed.items())), err=True)
    typer.echo(_("{summary}; per file: {path}", summary=result.rows, path=result.html.parent / "accounting.json"), err=True)
    typer.echo(f"{result.html} ({result.html.stat().st_size / 1024:.0f} KB, {result.seconds:.1f} s)")


def _report_range(start, end, jobs, force, workspace, formats) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from hotline_lib.core.months import months_between
    from hotline_lib.render.batch import render_range

    from hotline_lib.render.formats import choose_formats
    from hotline_lib.render.month import check_render_inputs
    from hotline_lib.render.notebooks import section_notebooks

    try:
        months = months_between(start, end)
        check_render_inputs(months[0], workspace)
        section_notebooks(workspace.notebooks)
        choose_formats(formats, workspace.settings)
    except EXPECTED as exc:
        _fail(exc)
    typer.echo(_("rendering {count} months from {data}…", count=len(months), data=_data_named(workspace)), err=True)
    console = Console(stderr=True)
    active: list[str] = []
    with Progress(TextColumn("[bold]" + _("bulletins")), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, transient=False) as bar:
        task = bar.add_task("", total=len(months))

        def progress(month: str, status: str) -> None:
            if status == "rendering":
                active.append(month)
            else:
                if month in active:
                    active.remove(month)
                bar.advance(task)
            bar.update(task, description=_("rendering {months}", months=names(active)) if active else "")

        try:
            summary = render_range(months, workspace, jobs=jobs, force=force, progress=progress, formats=formats)
        except EXPECTED as exc:
            _fail(exc)
    typer.echo(_("{rendered} rendered, {skipped} skipped, {failed} failed in {seconds:.1f} s; index: {index}",
                 rendered=summary.count("rendered"), skipped=summary.count("skipped"), failed=summary.count("failed"),
                 seconds=summary.seconds, index=summary.index))
    for outcome in summary.outcomes:
        if outcome.status == "rendered":
            typer.echo(_("  {month} rendered in {seconds:.1f} s", month=outcome.month, seconds=outcome.seconds), err=True)
        elif outcome.status == "skipped" and "e-mailed" in outcome.reason:
            typer.echo(_("  {month} skipped: {reason}", month=outcome.month, reason=_(outcome.reason)), err=True)
    for outcome in summary.failed:
        if outcome.log is None:   # its folder could not be written: the reason says why
            typer.echo(_("  {month} failed: {reason}", month=outcome.month, reason=outcome.reason), err=True)
        else:
            typer.echo(_("  {month} failed: {reason} (log: {log})", month=outcome.month, reason=outcome.reason,
                         log=outcome.log), err=True)
    if summary.failed:
        raise typer.Exit(1)


@app.command(help=N_("Why a unit lost each point in a month: every rule, the orders behind each count, what wins points back."), cls=HelpCommand)
def explain(
    month: str = typer.Argument(..., help=N_("The month, YYYY-MM.")),
    unit: str = typer.Argument(..., help=N_("The unit: its name, short name or an alias (e.g. 人社局).")),
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    settings: Optional[Path] = typer.Option(None, "--settings", help=SETTINGS_HELP),
    units: Optional[Path] = typer.Option(None, "--units", help=UNITS_HELP),
    rules: Optional[str] = typer.Option(None, "--rules", help=RULES_HELP),
) -> None:
    import logging

    from hotline_lib.analysis.explain import explain_unit
    from hotline_lib.core.months import check_month

    logging.getLogger("hotline_lib").setLevel(logging.ERROR)   # a missing case story does not matter here
    workspace = _workspace(data, None, settings, units, rules)
    _checked_rules(workspace)
    try:
        check_month(month)
        explanation = explain_unit(month, unit, workspace)
    except EXPECTED as exc:
        _fail(exc)
    _print_explanation(explanation)


def _print_explanation(e) -> None:
    """The explanation as rich tables; every value from the data goes in as plain text, never markup."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from hotline_lib.core.numbers import format_score

    console = Console(highlight=False)
    if e.earns:
        _print_earned(console, e)
        return
    lost = sum(e.rules["扣分"], start=type(e.score)(0))
    console.print(f"[bold]{escape(e.unit)}[/bold]（{escape(str(e.kind))}）{e.month}：总分 {format_score(e.score)}，"
                  f"{escape(str(e.kind))}第 {e.rank} 名")
    table = Table("规则", "依据", "扣分", title="各项扣分", title_justify="left")
    for row in e.rules.itertuples(index=False):
        table.add_row(escape(row.规则), escape(row.依据), f"−{row.扣分}" if row.扣分 else "0")
    table.add_row("合计", f"{format_score(e.base)} − {lost} = {e.base - lost} → {format_score(e.score)}", f"−{lost}")
    console.print(table)
    details = e.deductions.details
    if len(details):
        rows = []
        for row in details.itertuples(index=False):
            when = next((getattr(row, c) for c in ["签收时间", "退回时间", "办结时间"] if _present(getattr(row, c))), None)
            due = next((getattr(row, c) for c in ["签收时限", "退回时限", "办结时限"] if _present(getattr(row, c))), None)
            rows.append([str(row.规则), str(row.工单编号), _time(when) if when is not None else str(row.状态 or ""),
                         _time(due), "" if not _present(row.超时小时) else f"{row.超时小时:.1f}", str(row.次数),
                         "" if row.扣分 is None or not _present(row.扣分) else f"−{row.扣分}"])
        _print_orders(console, f"扣分所涉工单（{e.month}）", ["规则", "工单编号", "时间", "时限", "超时小时", "次数", "扣分"], rows)
    else:
        console.print("扣分所涉工单：无")
    if len(e.deductions.recovery):
        table = Table("规则", "怎样挽回", title="怎样挽回", title_justify="left")
        for row in e.deductions.recovery.to_dict("records"):
            table.add_row(escape(str(row["规则"])), escape(str(row["说明"])))
        console.print(table)
    if len(e.deductions.exemptions):   # 原因 and 批准人 are masked in the sheet
        columns = ["工单编号", "规则", "原因", "批准人"]
        _print_orders(console, "核减", columns, [[str(row[c]) for c in columns] for row in e.deductions.exemptions.to_dict("records")])


def _print_earned(console, e) -> None:
    """``hotline explain`` under a scheme whose items earn points: each item's figure, points and full
    marks, the total as the group's base plus them, and how to reach full marks (挽回)."""
    from rich.markup import escape
    from rich.table import Table

    from hotline_lib.core.numbers import format_score

    rank = f"第 {e.rank} 名" if e.rank is not None else "不参评"
    console.print(f"[bold]{escape(e.unit)}[/bold]（{escape(str(e.kind))}，满分 {format_score(e.full_marks)} 分）{e.month}："
                  f"总分 {format_score(e.score)}，{escape(str(e.kind))}{rank}")
    table = Table("项目", "依据", "得分", "满分", title="各项得分", title_justify="left")
    for row in e.rules.to_dict("records"):
        points = f"−{format_score(row['扣分'])}" if row["扣分"] is not None else format_score(row["得分"])
        table.add_row(escape(str(row["规则"])), escape(str(row["依据"])), points,
                      "" if row["满分"] is None else format_score(row["满分"]))
    console.print(table)
    if len(e.deductions.recovery):
        table = Table("项目", "怎样得满分", title="怎样挽回", title_justify="left")
        for row in e.deductions.recovery.to_dict("records"):
            table.add_row(escape(str(row["规则"])), escape(str(row["说明"])))
        console.print(table)
@app.command(help=N_("热点诉求 of a month from the citizens' words: each top category's sub-issues, the places named most, repeat demands and rising terms."), cls=HelpCommand)
def topics(
    month: str = typer.Argument(..., help=N_("The month, YYYY-MM.")),
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    settings: Optional[Path] = typer.Option(None, "--settings", help=SETTINGS_HELP),
    units: Optional[Path] = typer.Option(None, "--units", help=UNITS_HELP),
    as_json: bool = typer.Option(False, "--json", help=N_("Print only figures.json's hot_topics as JSON on standard output (every other line on standard error).")),
) -> None:
    import json
    import logging

    from hotline_lib.analysis.topics_month import load_topics
    from hotline_lib.core.months import check_month
    from hotline_lib.core.privacy import mask_strings

    logging.getLogger("hotline_lib").setLevel(logging.ERROR)
    workspace = _workspace(data, None, settings, units)
    try:
        check_month(month)
        found = load_topics(month, workspace)
    except EXPECTED as exc:
        _fail(exc)
    if not found.has_text:
        typer.echo(_("{month}: the exports hold no 诉求内容 (the citizens' words), so there are no 热点诉求 to find",
                     month=month), err=True)
    figures = mask_strings(found.figures)
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    elif found.has_text:
        _print_topics(month, figures)


def _print_topics(month: str, figures: dict) -> None:
    """The month's 热点诉求 as rich tables; every value from the data goes in as plain text, never markup."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from hotline_lib.analysis.topics_text import units_text

    console = Console(highlight=False)

    def table(title: str, columns: list[str], rows: list[list]) -> None:
        if not rows:
            console.print(Text(f"{title}：无"))
            return
        shown = Table(title=title, title_justify="left")
        for column in columns:
            shown.add_column(column, overflow="fold")   # a unit's name wraps whole rather than being cut with "…"
        for row in rows:
            shown.add_row(*(Text(str(cell)) for cell in row))
        console.print(shown)

    table(f"{month} 主要问题分类的具体诉求", ["问题分类", "工单数", "具体诉求（工单数）"],
          [[c["category"], c["count"], "、".join(f"{i['issue']}（{i['count']}）" for i in c["issues"])]
           for c in figures["categories"]])
    table("诉求集中的地点", ["地点", "工单数", "上月", "承办单位"],
          [[p["place"], p["count"], p["previous"], units_text(p["units"])] for p in figures["places"]])
    table("重复诉求（同一地点、同一问题）", ["地点", "问题", "工单数", "首次", "最近", "承办单位"],
          [[r["place"], r["issue"], r["count"], r["first"], r["last"], units_text(r["units"])] for r in figures["repeats"]])
    table("上升的诉求（占当月工单的比重，较上月）", ["词", "工单数", "上月", "变化（百分点）"],
          [[r["term"], r["count"], r["previous"], f"{r['change']:+.2f}"] for r in figures["rising"]])
    table("较去年同月上升的诉求", ["词", "工单数", "去年同月", "变化（百分点）"],
          [[r["term"], r["count"], r["previous"], f"{r['change']:+.2f}"] for r in figures["rising_year"]])
    table("各单位重复诉求与导出文件的重复交办（两者口径不同）", ["承办单位", "重复诉求工单", "重复交办（导出文件）"],
          [[r["unit"], r["repeats"], r["repeat_assigned"]] for r in figures["repeat_units"]])


ORDER_COLUMN = "工单编号"


def _print_orders(console, title: str, columns: list[str], rows: list[list[str]]) -> None:
    """Rows naming orders, as a table when it fits the console's width with nothing cut (each word of
    each cell whole, the 工单编号 on one line), else as plain lines, each order's number alone at the start of a line: the number is what a unit
    copies into its appeal, so it is never cut, folded or wrapped. Cells are plain text, never markup."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left")
    order = columns.index(ORDER_COLUMN)
    for index, name in enumerate(columns):
        if index == order:
            table.add_column(name, no_wrap=True, min_width=max(Text(row[order]).cell_len for row in rows))
        else:
            table.add_column(name)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    if _keeps_whole(console, table, [word for cells in [columns, *rows] for cell in cells for word in cell.split()]):
        console.print(table)
        return
    console.print(Text(title))
    for row in rows:
        console.print(Text(row[order]))
        rest = "，".join(f"{name}：{cell}" for name, cell in zip(columns, row) if name != ORDER_COLUMN and cell)
        console.print(Text(f"  {rest}"))


def _keeps_whole(console, table, texts: list[str]) -> bool:
    """Whether ``table``, laid out at the console's width, shows each of ``texts`` whole on one line
    (rich shortens what does not fit with "…", even a column that does not wrap)."""
    from io import StringIO

    from rich.console import Console

    probe = Console(file=StringIO(), width=console.width, color_system=None, highlight=False, legacy_windows=False)
    probe.print(table)
    shown = probe.file.getvalue()
    return all(text in shown for text in texts)


def _present(value) -> bool:
    import pandas as pd

    return value is not None and not (isinstance(value, float) and value != value) and not (value is pd.NaT) and not pd.isna(value)


def _time(value) -> str:
    return "" if not _present(value) else value.strftime("%m-%d %H:%M")


@app.command(help=N_("Render the trends across months (notebooks/trends.ipynb) to outputs/trends_<from>_<to>.html."), cls=HelpCommand)
def trends(
    start: str = typer.Option(..., "--from", help=N_("First month, YYYY-MM.")),
    end: str = typer.Option(..., "--to", help=N_("Last month, YYYY-MM.")),
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
    settings: Optional[Path] = typer.Option(None, "--settings", help=SETTINGS_HELP),
    units: Optional[Path] = typer.Option(None, "--units", help=UNITS_HELP),
    rules: Optional[str] = typer.Option(None, "--rules", help=RULES_HELP),
) -> None:
    from hotline_lib.core.months import months_between
    from hotline_lib.render.month import check_render_inputs
    from hotline_lib.render.trends import render_trends

    workspace = _workspace(data, out, settings, units, rules)
    _checked_rules(workspace)
    try:
        months_between(start, end)
        check_render_inputs(start, workspace)
    except EXPECTED as exc:
        _fail(exc)
    typer.echo(_("rendering trends {start} to {end} from {data}…", start=start, end=end, data=_data_named(workspace)), err=True)
    try:
        path = render_trends(start, end, workspace)
    except EXPECTED as exc:
        _fail(exc)
    typer.echo(f"{path} ({path.stat().st_size / 1024:.0f} KB)")


@app.command(help=N_("E-mail a rendered bulletin: a digest of the month as the body (charts inline), the bulletin attached; writes outputs/<month>/bulletin.eml and, with --smtp, sends it."), cls=HelpCommand)
def email(
    month: str = typer.Argument(..., help=N_("The rendered month, YYYY-MM.")),
    to: list[str] = typer.Option(..., "--to", help=N_("Recipient (repeat for several, or separate them with commas).")),
    smtp: Optional[str] = typer.Option(None, "--smtp", help=N_("Send through HOST:PORT (STARTTLS when offered; login from HOTLINE_SMTP_USER / HOTLINE_SMTP_PASSWORD).")),
    dry_run: bool = typer.Option(False, "--dry-run", help=N_("Only write outputs/<month>/bulletin.eml.")),
    sender: Optional[str] = typer.Option(None, "--from", help=N_("Sender address. Default: $HOTLINE_SMTP_FROM or hotline-bulletin@localhost.")),
    out: Path = typer.Option(None, "--out", help=OUT_HELP),
    attach: Optional[str] = typer.Option(None, "--attach", help=N_("The bulletin's formats to attach, e.g. html,pdf,docx. Default: every format in outputs/<month>/.")),
    attach_deductions: bool = typer.Option(False, "--attach-deductions", help=N_("Attach 扣分明细.xlsx too.")),
    sample_ok: bool = typer.Option(False, "--sample-ok", help=N_("Send a bulletin made from the sample data (样例数据) too (not sent by default).")),
    resend: bool = typer.Option(False, "--resend", help=N_("Send a month that outputs/<month>/sent.json says was sent, or may have been (a sending that did not finish).")),
) -> None:
    from hotline_lib.deliver.mail import deliver

    out = _workspace(out=out).outputs
    try:
        delivery = deliver(month, to, smtp, dry_run, sender, out, attach=attach, deductions=attach_deductions,
                           sample_ok=sample_ok, resend=resend)
    except EXPECTED as exc:
        _fail(exc)
    state = (_("sent to {recipients}", recipients=names(delivery.recipients)) if delivery.sent
             else _("not sent (no --smtp, or --dry-run)"))
    typer.echo(_("{eml}: “{subject}”, {state}", eml=delivery.eml, subject=delivery.subject, state=state))


@app.command("check-privacy", help=N_("Fail (exit 1) if any output still holds an unmasked phone, ID or bank card number."), cls=HelpCommand)
def check_privacy(
    path: Path = typer.Argument(None, help=N_("A folder of outputs, or one file. Default: outputs/ of the working folder.")),
) -> None:
    from hotline_lib.core.privacy import scan_outputs

    if path is None:
        path = _workspace().outputs
    else:
        _working_folder()
    try:
        files, findings = scan_outputs(path)
    except EXPECTED as exc:
        _fail(exc)
    for finding in findings[:50]:
        typer.echo(str(finding), err=True)
    if len(findings) > 50:
        typer.echo(_("… and {count} more", count=len(findings) - 50), err=True)
    counted = (_("no unmasked personal numbers") if not findings else _("1 unmasked personal number") if len(findings) == 1
               else _("{count} unmasked personal numbers", count=len(findings)))
    typer.echo(_("{files} files scanned: {findings}", files=len(files), findings=counted))
    raise typer.Exit(1 if findings else 0)


rules_app = typer.Typer(cls=HelpGroup, no_args_is_help=True, add_completion=False,
                        help=N_("The scoring schemes: list the shipped ones, show one as its 考核办法 reads."))
app.add_typer(rules_app, name="rules")


@rules_app.command("list", help=N_("Each shipped scheme's id and title."), cls=HelpCommand)
def rules_list() -> None:
    from hotline_lib.scoring.rules import load_rules, shipped_rules

    try:
        for name in shipped_rules():
            typer.echo(f"{name}\t{load_rules(name).name}")
    except EXPECTED as exc:
        _fail(exc)


@rules_app.command("show", help=N_("A scheme in Chinese, the way a 考核办法 reads."), cls=HelpCommand)
def rules_show(name: Optional[str] = typer.Argument(None, help=N_(
        "A shipped scheme's id (hotline rules list) or a rules file. Default: the working folder's data/rules.yaml."))) -> None:
    from hotline_lib.core.config import rules_file, template_root
    from hotline_lib.io.directory import load_settings
    from hotline_lib.scoring.describe import describe_rules
    from hotline_lib.scoring.rules import load_rules, rules_path

    folder = _found_working_folder()   # its settings say the other 完成度较好 conditions; else a new folder's
    settings_file = (folder if folder is not None else template_root()) / "data" / "settings.yaml"
    try:
        excellent = load_settings(settings_file).excellent
        if folder is None:   # a new folder's settings: no unit of a district to leave out
            excellent = excellent.model_copy(update={"excluded": []})
        if folder is None or rules_path(name).resolve() != rules_file(folder).resolve():
            excellent = excellent.model_copy(update={"score": None})   # the settings' score is for the folder's own scheme
        typer.echo(describe_rules(load_rules(name), excellent))
    except EXPECTED as exc:
        _fail(exc)


notebooks_app = typer.Typer(cls=HelpGroup, no_args_is_help=True, add_completion=False,
                            help=N_("Compare the working folder's notebooks with the package's: diff, restore, update."))
app.add_typer(notebooks_app, name="notebooks")


def _notebooks_folder() -> Path:
    """The working folder's notebooks/ (the one `hotline report` renders)."""
    return _workspace().notebooks


@notebooks_app.command("diff", help=N_("Show how each notebook differs from the package's copy (cell sources and tags, cell by cell)."), cls=HelpCommand)
def notebooks_diff(
    name: Optional[str] = typer.Argument(None, help=N_("One notebook, e.g. 03_units.ipynb. Default: every notebook.")),
) -> None:
    from hotline_lib.io.notebook_changes import check_name, modified_notebooks, notebook_diff

    folder = _notebooks_folder()
    try:
        changed = modified_notebooks(folder, [check_name(folder, name)] if name else None)
        for each in changed:
            typer.echo(notebook_diff(folder, each), nl=False)
    except EXPECTED as exc:
        _fail(exc)
    if not changed:
        typer.echo(_("no changes: the notebooks are the package's"))


@notebooks_app.command("restore", help=N_("Put back the package's copy of a notebook; the changed one is kept as NAME.ipynb.bak-<time> beside it."), cls=HelpCommand)
def notebooks_restore(
    name: str = typer.Argument(..., help=N_("The notebook, e.g. 03_units.ipynb.")),
) -> None:
    from hotline_lib.io.notebook_changes import check_name, restore_notebook

    folder = _notebooks_folder()
    try:
        name = check_name(folder, name)   # as the package names it: 03_units.ipynb
        backup = restore_notebook(folder, name)
    except EXPECTED as exc:
        _fail(exc)
    if backup is None:
        typer.echo(_("{name}: the package's copy again (it had no changes to keep)", name=name))
    else:
        typer.echo(_("{name}: the package's copy put back; the changed one is kept as {backup}", name=name, backup=backup))


@notebooks_app.command("update", help=N_("Bring the notebooks up to the installed package's: unchanged ones replaced, new ones added, changed ones left and named."), cls=HelpCommand)
def notebooks_update() -> None:
    from hotline_lib.io.notebook_changes import update_notebooks

    try:
        done = update_notebooks(_notebooks_folder())
    except EXPECTED as exc:
        _fail(exc)
    typer.echo(_("{replaced} notebooks updated, {added} added", replaced=len(done.replaced), added=len(done.added))
               + "".join(f"\n  {name}" for name in done.replaced + done.added))
    if done.kept:
        typer.echo(_("left as they are (changed in this folder; `hotline notebooks diff` shows how, `hotline notebooks "
                     "restore NAME` takes the package's): {names}", names=names(done.kept)), err=True)


def _interrupted() -> None:
    """Ctrl-C: one line and exit 130. The run's own cleanup has run as the interrupt unwound it (the
    kernel stopped, the month's lock released, nothing half-published: render/month.py); what the
    notebook client's tasks report as they are collected is left unsaid (asyncio's "Task exception was
    never retrieved" with a DeadKernelError traceback)."""
    import logging

    logging.getLogger("asyncio").disabled = True
    typer.echo(_("interrupted: nothing more was written; the last complete outputs are as they were"), err=True)
    sys.exit(130)


def main() -> None:
    """Entry point of the console script: even a bug is one line (the traceback with --debug)."""
    from hotline_lib.render.kernel import skip_uri_grammar

    skip_uri_grammar()
    try:
        app()
    except KeyboardInterrupt:
        _interrupted()
    except SystemExit as exc:   # typer turns Ctrl-C in a command into a silent exit 130
        if exc.code == 130 and isinstance(getattr(exc.__context__, "__cause__", None), KeyboardInterrupt):
            _interrupted()
        raise
    except BrokenPipeError:
        _closed_pipe()
    except Exception as exc:  # a bug, not bad input: say so, and how to see the traceback
        if _state["debug"]:
            raise
        typer.echo(_("Error: unexpected {name}: {message} — this is a bug in hotline-bulletin; run again with --debug "
                     "and report the traceback", name=type(exc).__name__, message=_one_line(exc)), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
