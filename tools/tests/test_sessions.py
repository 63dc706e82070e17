"""Every nox session or tag that the workflows, the docs and .ci/run name exists, and every session
is in docs/sessions.md's table."""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import shlex
import tempfile
import tomllib
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tools.matrix import (
    BACKENDS,
    COVERAGE_PYTHON,
    LAKEBASE_CELLS,
    OPTIONAL_PYTHONS,
    PYTHONS,
    REQUIRED_PYTHONS,
    github_outputs,
)

from .sandbox import ROOT, clean_env, run

yaml = pytest.importorskip("yaml", reason="needs PyYAML: run `nox -s automation`")

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
MATRIX_EXPR = re.compile(r"\$\{\{\s*matrix\.(\w+)\s*\}\}")
SHELL_VAR = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def nox_invocations(text: str) -> list[tuple[list[str], list[str]]]:
    """(sessions, tags) of every `nox ...` command in a piece of shell or Markdown."""
    found = []
    text = text.replace("\\\n", " ")
    for match in re.finditer(r"(?:^|[\s;&|(`/])nox(?![\w.-])((?:[ \t]+[^\s;&|`)]+)*)", text, re.M):
        args = match.group(1).split(" -- ")[0]  # what follows `--` belongs to the session
        try:
            tokens = shlex.split(args)
        except ValueError:
            tokens = args.split()
        sessions: list[str] = []
        tags: list[str] = []
        target: list[str] | None = None
        for token in tokens:
            if token == "--" or token.startswith("#"):  # session arguments, or a comment
                break
            if token in {"-s", "--session", "--sessions", "-e"}:
                target = sessions
            elif token in {"-t", "--tags"}:
                target = tags
            elif token.startswith("-"):
                target = None
            elif target is not None and "<" not in token:  # `<session>`: a placeholder
                target.append(token)
        found.append((sessions, tags))
    return found


FROM_JSON_INPUT = re.compile(r"^\$\{\{\s*fromJSON\(inputs\.([\w-]+)\)\s*\}\}$")
FROM_JSON_NEEDS = re.compile(r"^\$\{\{\s*fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\)\s*\}\}$")
STEP_OUTPUT = re.compile(r"^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$")


def call_inputs(workflow: dict[str, Any], given: dict[str, Any]) -> dict[str, str]:
    """A reusable workflow's inputs: what the caller gave (`with:`), else their defaults."""
    on = workflow.get("on", workflow.get(True, {}))  # YAML 1.1 reads a bare `on` as True
    declared = (on.get("workflow_call") or {}).get("inputs") or {} if isinstance(on, dict) else {}
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    return {**values, **{name: str(value) for name, value in given.items()}}


def job_outputs(job: dict[str, Any]) -> dict[str, str]:
    """A job's `outputs:`, from its steps that write $GITHUB_OUTPUT, run here as the runner runs
    them (bash, from the repository root)."""
    written: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for step in job.get("steps", []):
            if "id" not in step or "GITHUB_OUTPUT" not in step.get("run", ""):
                continue
            output = Path(tmp) / step["id"]
            output.touch()
            bash = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]]
            result = run(bash, cwd=ROOT, env=clean_env(GITHUB_OUTPUT=str(output)))
            assert result.returncode == 0, result.stdout
            lines = output.read_text().splitlines()
            written[step["id"]] = dict(line.split("=", 1) for line in lines)
    outputs = {}
    for name, expression in job.get("outputs", {}).items():
        found = STEP_OUTPUT.match(expression)
        assert found, f"output {name}: {expression} is not a step's output"
        outputs[name] = written[found[1]][found[2]]
    return outputs


def matrix_cells(
    job: dict[str, Any],
    inputs: dict[str, str] | None = None,
    jobs: dict[str, Any] | None = None,
) -> list[dict[str, str]]:
    """A job's matrix cells; an axis read with `fromJSON` from the workflow's inputs or from
    the outputs of a job it needs (computed by running that job's steps) is expanded."""
    matrix = dict(job.get("strategy", {}).get("matrix", {}))
    needs = job.get("needs", [])
    needs = [needs] if isinstance(needs, str) else needs
    for axis, values in matrix.items():
        if not isinstance(values, str):
            continue
        if found := FROM_JSON_INPUT.match(values):  # `db: ${{ fromJSON(inputs.databases) }}`
            matrix[axis] = json.loads((inputs or {})[found[1]])
        elif found := FROM_JSON_NEEDS.match(values):  # `${{ fromJSON(needs.j.outputs.o) }}`
            assert found[1] in needs, f"{axis}: reads job {found[1]}, which the job does not need"
            matrix[axis] = json.loads(job_outputs((jobs or {})[found[1]])[found[2]])
    include = matrix.pop("include", [])
    matrix.pop("exclude", None)
    keys = list(matrix)
    cells = [dict(zip(keys, values, strict=True)) for values in itertools.product(*matrix.values())]
    return [{k: str(v) for k, v in cell.items()} for cell in cells + include] or [{}]


def expand(text: str, cell: dict[str, str], env: dict[str, str]) -> str:
    """Substitute `${{ matrix.x }}`, then `$VAR` / `${VAR}` from env (others left as they are)."""
    text = MATRIX_EXPR.sub(lambda m: cell[m[1]], text)
    return SHELL_VAR.sub(lambda m: env.get(m[1] or m[2], m[0]), text)


def workflow_nox_commands(
    path: Path, *, follow_calls: bool = True, given: dict[str, Any] | None = None
) -> list[tuple[list[str], list[str]]]:
    """nox commands of every `run:` step, with matrix values and env variables expanded,
    and (`follow_calls`) those of the repository's reusable workflows its jobs call, with the
    inputs the call gives them."""
    workflow = yaml.safe_load(path.read_text())
    inputs = call_inputs(workflow, given or {})
    commands = []
    for job in workflow["jobs"].values():
        if "uses" in job:
            if follow_calls and job["uses"].startswith("./"):
                called = ROOT / job["uses"]
                commands.extend(workflow_nox_commands(called, given=job.get("with", {})))
            continue
        for cell in matrix_cells(job, inputs, workflow["jobs"]):
            for step in job.get("steps", []):
                if "run" not in step:
                    continue
                raw = {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}
                env = {key: expand(str(value), cell, {}) for key, value in raw.items()}
                commands.extend(nox_invocations(expand(step["run"], cell, env)))
    return commands


SESSIONS_DOC = "docs/sessions.md"


def markdown_files() -> list[str]:
    """The repository's own Markdown, tracked or new (what git ignores, such as generated
    reports and caches, left out): every nox command it names must exist."""
    listed = run(["git", "ls-files", "-co", "--exclude-standard", "*.md"], cwd=ROOT)
    assert listed.returncode == 0, listed.stdout
    return sorted({name for name in listed.stdout.split() if (ROOT / name).exists()})


def readme_code(name: str = "README.md") -> str:
    text = (ROOT / name).read_text()
    fenced = re.findall(r"```[^\n]*\n(.*?)```", text, re.S)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return "\n".join(fenced + inline)


def session_table(text: str) -> list[str]:
    """Session names in the first column of the table under the "# Sessions" heading."""
    section = re.search(r"^# Sessions\b.*?(?=^#|\Z)", text, re.M | re.S)
    assert section, f'{SESSIONS_DOC} has no "# Sessions" section'
    names = []
    for line in section.group(0).splitlines():
        if line.startswith("|"):
            names += re.findall(r"`([\w.-]+)`", line.split("|")[1])
    return names


def undocumented(sessions: list[dict[str, Any]], listed: list[str]) -> list[str]:
    """Sessions the table does not name; a cell `integration-<db>-<python>` is documented by the
    row of `integration-<db>`."""
    missing = []
    for session in sessions:
        name = session["session"]
        family = re.sub(r"-\d+\.\d+$", "", name)
        if name not in listed and family not in listed:
            missing.append(name)
    return missing


def load_noxfile() -> ModuleType:
    """Execute noxfile.py afresh (its options depend on the environment at import)."""
    spec = importlib.util.spec_from_file_location("noxfile_under_test", ROOT / "noxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        # Loading it again re-registers the same sessions, which nox warns about.
        warnings.filterwarnings("ignore", "The session .* has already been registered")
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def known(nox_sessions: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    names = {s["session"] for s in nox_sessions} | {s["name"] for s in nox_sessions}
    tags = {tag for s in nox_sessions for tag in s["tags"]}
    return names, tags


# Runs no project code at all (see test_comment_workflow_runs_no_pull_request_code).
COMMENT_WORKFLOW = ROOT / ".github" / "workflows" / "diff-cover-comment.yml"

SOURCES = {
    **{
        f".github/workflows/{p.name}": (lambda p=p: workflow_nox_commands(p))
        for p in WORKFLOWS
        if p != COMMENT_WORKFLOW
    },
    **{doc: (lambda doc=doc: nox_invocations(readme_code(doc))) for doc in markdown_files()},
    ".ci/run": lambda: nox_invocations((ROOT / ".ci" / "run").read_text()),
}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_sessions_named_exist(source: str, known: tuple[set[str], set[str]]) -> None:
    names, tags = known
    commands = SOURCES[source]()
    assert commands or source.endswith(".md"), f"no nox command found in {source}"
    for sessions, wanted_tags in commands:
        assert set(sessions) <= names, f"{source}: unknown session(s) {set(sessions) - names}"
        assert set(wanted_tags) <= tags, f"{source}: unknown tag(s) {set(wanted_tags) - tags}"


def test_session_table_lists_real_sessions(known: tuple[set[str], set[str]]) -> None:
    names, _ = known
    listed = session_table((ROOT / SESSIONS_DOC).read_text())
    assert listed, f"{SESSIONS_DOC} has no session table"
    assert set(listed) <= names, f"{SESSIONS_DOC} table: unknown {set(listed) - names}"


def test_every_session_is_in_the_table(nox_sessions: list[dict[str, Any]]) -> None:
    listed = session_table((ROOT / SESSIONS_DOC).read_text())
    assert not undocumented(nox_sessions, listed), f"add to {SESSIONS_DOC}'s table"


def test_a_session_missing_from_the_table_fails() -> None:
    sessions = [
        {"session": "lint"},
        {"session": "integration-sqlite-3.11"},
        {"session": "integration-sqlite"},
        {"session": "soak"},
    ]
    table = "# Sessions\n\n| session | what |\n| --- | --- |\n"
    table += "| `lint` | x |\n| `integration-sqlite` | x |\n"

    assert undocumented(sessions, session_table(table)) == ["soak"]
    assert not undocumented(sessions, session_table(table + "| `soak` | x |\n"))


def test_workflows_run_every_ci_cell(nox_sessions: list[dict[str, Any]]) -> None:
    ci = {
        s
        for sessions, _ in workflow_nox_commands(ROOT / ".github/workflows/ci.yml")
        for s in sessions
    }
    release = {
        s
        for sessions, _ in workflow_nox_commands(ROOT / ".github/workflows/release.yml")
        for s in sessions
    }
    cells = {s["session"] for s in nox_sessions if "integration" in s["tags"]}
    # Every cell runs on pull requests (Lakebase offline, on the stand-in); the release runs the
    # live Lakebase cells on the required Pythons only (one workspace, cells in turn).
    optional_live = {f"integration-{db}-{py}" for db in LAKEBASE_CELLS for py in OPTIONAL_PYTHONS}
    assert cells <= ci, f"ci.yml misses {cells - ci}"
    assert (cells - optional_live) | {"lowest", "coverage", "lint", "typecheck"} <= release
    assert {"coverage", "diff-cover", "lint", "typecheck", "lowest"} <= ci


def test_the_test_matrix_is_defined_once() -> None:
    """ci.yml and release.yml call test-matrix.yml; only that workflow runs the local cells."""
    local = ("integration-sqlite-", "integration-postgres-")
    runs_cells = {
        path.name
        for path in WORKFLOWS
        for sessions, _ in workflow_nox_commands(path, follow_calls=False)
        if any(s.startswith(local) for s in sessions)
    }
    callers = {
        path.name
        for path in WORKFLOWS
        for job in yaml.safe_load(path.read_text())["jobs"].values()
        if job.get("uses") == "./.github/workflows/test-matrix.yml"
    }
    assert runs_cells == {"test-matrix.yml"}
    assert callers == {"ci.yml", "release.yml"}


def test_workflows_take_their_pythons_from_tools_matrix() -> None:
    """No workflow repeats the list: a matrix's `python` axis is a job output made by
    `python -m tools.matrix`; a single version is the default one, PYTHONS[0]."""
    expected = {
        ("test-matrix.yml", "test"): PYTHONS,
        ("release.yml", "lakebase"): REQUIRED_PYTHONS,  # live: one workspace, required ones
    }
    found = {}
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        for name, job in workflow["jobs"].items():
            axis = job.get("strategy", {}).get("matrix", {}).get("python")
            if axis is not None:
                assert FROM_JSON_NEEDS.match(str(axis)), f"{path.name} {name}: python: {axis}"
                cells = matrix_cells(job, call_inputs(workflow, {}), workflow["jobs"])
                found[path.name, name] = list(dict.fromkeys(cell["python"] for cell in cells))
            for step in job.get("steps", []):
                version = (step.get("with") or {}).get("python-version")
                if version is not None and not MATRIX_EXPR.fullmatch(str(version)):
                    assert version == PYTHONS[0], f"{path.name} {name}: Python {version}"
    assert found == expected


def test_comment_workflow_runs_no_pull_request_code() -> None:
    """The workflow_run job holds a write token: it must not check out or run anything."""
    workflow = yaml.safe_load(COMMENT_WORKFLOW.read_text())
    assert workflow[True]["workflow_run"]["workflows"] == ["CI"]  # PyYAML reads `on` as True
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    actions = [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]
    assert actions == ["actions/download-artifact", "marocchino/sticky-pull-request-comment"]
    scripts = "\n".join(step.get("run", "") for step in job["steps"])
    assert not nox_invocations(scripts)
    assert not re.search(r"\b(python|pip|uv|bash|sh|source|make)\b|\./|comment/[^ ]*\.sh", scripts)
    # The pull request number is read from the artifact, so it is checked before use.
    assert "=~ ^[1-9][0-9]" in scripts
    assert "HEAD_SHA" in scripts


def test_pull_request_workflow_has_no_write_permission() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    granted = [
        (name, scope, level)
        for name, job in workflow["jobs"].items()
        for scope, level in (job.get("permissions") or {}).items()
    ]
    assert granted
    assert all(level == "read" for _, _, level in granted), granted
    assert workflow["permissions"] == {}


def test_every_session_explains_itself(nox_sessions: list[dict[str, Any]]) -> None:
    undocumented = [s["session"] for s in nox_sessions if not s["description"]]
    assert not undocumented


def test_cells_are_tagged_by_backend_and_python(nox_sessions: list[dict[str, Any]]) -> None:
    assert BACKENDS == ["sqlite", "postgres", "lakebase-autoscaling", "lakebase-provisioned"]
    for db in BACKENDS:
        for py in PYTHONS:
            (cell,) = [s for s in nox_sessions if s["session"] == f"integration-{db}-{py}"]
            assert {db, f"py{py}"} <= set(cell["tags"])
            # `nox -t lakebase` selects both Lakebase flavours' cells.
            assert ("lakebase" in cell["tags"]) is db.startswith("lakebase")
            # A missing optional Python's cells are registered without one: they only skip.
            assert cell["python"] == py or (py in OPTIONAL_PYTHONS and cell["python"] is False)


def test_plain_nox_runs_the_local_matrix_then_coverage_last() -> None:
    noxfile = load_noxfile()
    default = list(noxfile.nox.options.sessions)
    assert default[-1] == "coverage"
    assert default[:2] == ["lint", "typecheck"]
    assert "automation" in default
    for db in ("sqlite", "postgres"):
        for py in noxfile.PYTHONS:
            assert f"integration-{db}-{py}" in default
    # Both Lakebase flavours (offline without a workspace) on the Databricks Apps runtime's
    # Python only.
    assert [name for name in default if "lakebase" in name] == [
        f"integration-{db}-{PYTHONS[0]}" for db in LAKEBASE_CELLS
    ]
    assert LAKEBASE_CELLS == {
        "lakebase-autoscaling": "autoscaling",
        "lakebase-provisioned": "provisioned",
    }
    # The lower bounds pyproject.toml promises hold in every full run, not only on GitHub's
    # pull requests; benchmarks are measured on purpose, never as a side effect.
    assert "lowest" in default
    assert "bench" not in default


def test_ci_run_runs_the_readme_full_matrix_command() -> None:
    """CI runs what the README's first screen tells a newcomer to: its bootstrap line, then
    plain `nox`, in one command."""
    readme = (ROOT / "README.md").read_text()
    bootstrap = re.findall(r"^(python3 -m venv .*)$", readme, re.M)
    main_job = re.findall(r"^(\.venv/bin/nox -s integration-sqlite)$", readme, re.M)
    full_matrix = re.findall(r"^(\.venv/bin/nox)$", readme, re.M)
    assert len(bootstrap) == len(main_job) == len(full_matrix) == 1, "README quickstart not found"
    assert f"{bootstrap[0]} && {full_matrix[0]}\n" in (ROOT / ".ci" / "run").read_text()


def test_coverage_targets_hold_every_file_of_the_app_at_90() -> None:
    text = (ROOT / "coverage" / "targets.toml").read_text()
    modules = tomllib.loads(text)["tool"]["coverage-threshold"]["modules"]
    assert modules["server/"]["file_line_coverage_min"] >= 90
    assert modules["server/"]["file_branch_coverage_min"] >= 90
    for prefix in modules:
        assert prefix.startswith("server/"), prefix
        if prefix != "server/":  # an exception says why, in the comment above its table
            header = f'[tool.coverage-threshold.modules."{prefix}"]'
            assert re.search(rf"^# .+\n{re.escape(header)}$", text, re.M), prefix


def test_only_the_coverage_pythons_cells_upload_coverage_data() -> None:
    """Every step that uploads a cell's coverage data runs only on COVERAGE_PYTHON's cells,
    and the job it reads that Python from has it as an output of `python -m tools.matrix`."""
    uploads = []
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        for name, job in workflow["jobs"].items():
            for step in job.get("steps", []):
                if str((step.get("with") or {}).get("name", "")).startswith("coverage-data-"):
                    uploads.append((path.name, name))
                    condition = "matrix.python == needs.pythons.outputs.coverage"
                    assert condition in str(step.get("if")), f"{path.name} {name}: {step}"
                    pythons = workflow["jobs"]["pythons"]["outputs"]
                    assert pythons["coverage"] == "${{ steps.matrix.outputs.coverage }}"
    assert sorted(uploads) == [("release.yml", "lakebase"), ("test-matrix.yml", "test")]
    assert f"coverage={COVERAGE_PYTHON}\n" in github_outputs()
