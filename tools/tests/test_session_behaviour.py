"""How sessions behave around their environment: Lakebase without a workspace, missing
interpreters, and `lint` noticing a stale requirements/ (offline, when uv's cache can tell)."""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Iterator

import pytest

from suite_environment import FLAVOUR_VARIABLES, LAKEBASE_VARIABLES, LIVE_VARIABLES, lakebase_mode
from tools.matrix import OPTIONAL_PYTHONS, PYTHONS, REQUIRED_PYTHONS

from .sandbox import Sandbox
from .test_sessions import load_noxfile

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
needs_matrix_python = pytest.mark.skipif(
    PYTHON not in REQUIRED_PYTHONS, reason=f"no required integration cell for Python {PYTHON}"
)


WORKSPACE = (*LIVE_VARIABLES, *LAKEBASE_VARIABLES)
TITLES = {"autoscaling": "Lakebase Autoscaling", "provisioned": "Lakebase Provisioned"}


@pytest.fixture
def no_workspace(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*WORKSPACE, *FLAVOUR_VARIABLES.values(), "LAKEBASE_REQUIRED"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("flavour", ["autoscaling", "provisioned"])
def test_lakebase_cell_without_a_workspace_runs_offline_naming_what_live_needs(
    no_workspace: pytest.MonkeyPatch, flavour: str
) -> None:
    no_workspace.setenv("DATABRICKS_HOST", "https://x")

    mode, message = lakebase_mode(flavour)

    assert mode == "offline"
    assert message.startswith(f"OFFLINE ({TITLES[flavour]})")
    for name in ("PGHOST", "DATABRICKS_TOKEN", FLAVOUR_VARIABLES[flavour]):
        assert name in message
    assert "DATABRICKS_HOST," not in message, "a variable that is set is not named"


@pytest.mark.parametrize("flavour", ["autoscaling", "provisioned"])
def test_lakebase_cell_with_its_flavours_variables_runs_live_and_the_other_offline(
    no_workspace: pytest.MonkeyPatch, flavour: str
) -> None:
    for name in (*WORKSPACE, FLAVOUR_VARIABLES[flavour]):
        no_workspace.setenv(name, "x")
    other = next(f for f in FLAVOUR_VARIABLES if f != flavour)

    assert lakebase_mode(flavour) == (
        "live",
        f"LIVE ({TITLES[flavour]}): a real workspace and database (TEST_MODE=live)",
    )
    assert lakebase_mode(other)[0] == "offline"


def test_lakebase_cell_of_the_other_flavour_fails_when_required_and_says_which_to_run(
    no_workspace: pytest.MonkeyPatch,
) -> None:
    for name in (*WORKSPACE, "LAKEBASE_INSTANCE_NAME"):
        no_workspace.setenv(name, "x")
    no_workspace.setenv("LAKEBASE_REQUIRED", "1")

    mode, message = lakebase_mode("autoscaling")

    assert mode == "error"
    assert "missing: LAKEBASE_ENDPOINT" in message
    assert "integration-lakebase-provisioned-*" in message


def test_both_flavours_variables_are_an_error_naming_both(no_workspace: pytest.MonkeyPatch) -> None:
    for name in (*WORKSPACE, *FLAVOUR_VARIABLES.values()):
        no_workspace.setenv(name, "x")

    for flavour in FLAVOUR_VARIABLES:
        mode, message = lakebase_mode(flavour)
        assert mode == "error"
        assert "LAKEBASE_ENDPOINT and LAKEBASE_INSTANCE_NAME are both set" in message


@needs_matrix_python
def test_lakebase_cell_without_a_workspace_fails_when_required(sandbox: Sandbox) -> None:
    result = sandbox.nox("-s", f"integration-lakebase-{PYTHON}", LAKEBASE_REQUIRED="1")
    assert result.returncode != 0, result.stdout
    assert "LAKEBASE_REQUIRED" in result.stdout
    assert "PGHOST" in result.stdout
    assert "LAKEBASE_ENDPOINT" in result.stdout


@pytest.mark.parametrize(("ci", "error"), [("true", True), ("1", True), ("", False), (None, False)])
def test_missing_interpreter_is_an_error_only_on_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str | None, error: bool
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    options = load_noxfile().nox.options
    assert options.error_on_missing_interpreters is error
    assert options.download_python == "never", "a missing Python is reported, not downloaded"
    assert options.default_venv_backend == "uv"


def test_missing_optional_python_is_skipped_even_on_ci_but_a_required_one_fails(
    sandbox: Sandbox,
) -> None:
    # Two Pythons no machine has: 3.98 required like 3.11-3.13, 3.99 optional like 3.14.
    matrix = sandbox.path / "tools" / "matrix.py"
    text = matrix.read_text()
    optional = ", ".join(json.dumps(python) for python in sorted(OPTIONAL_PYTHONS))
    for old, new in (
        (f"PYTHONS = {json.dumps(PYTHONS)}", f"PYTHONS = {json.dumps([*PYTHONS, '3.98', '3.99'])}"),
        (f"OPTIONAL_PYTHONS = {{{optional}}}", f'OPTIONAL_PYTHONS = {{{optional}, "3.99"}}'),
    ):
        assert old in text
        text = text.replace(old, new)
    matrix.write_text(text)

    optional = sandbox.nox("-s", "integration-sqlite-3.99", CI="true")
    assert optional.returncode == 0, optional.stdout
    assert "integration-sqlite-3.99 skipped: Python 3.99 not found" in optional.stdout

    required = sandbox.nox("-s", "integration-sqlite-3.98", CI="true")
    assert required.returncode != 0, required.stdout
    assert "integration-sqlite-3.98 failed" in required.stdout
    assert "3.98" in required.stdout


def test_lint_fails_when_requirements_are_stale(sandbox: Sandbox) -> None:
    pyproject = sandbox.path / "pyproject.toml"
    text = pyproject.read_text()
    assert '"pytest>=8.3",' in text
    pyproject.write_text(text.replace('"pytest>=8.3",', '"pytest>=8.3",\n  "pytest-timeout>=2.3",'))

    result = sandbox.nox("-s", "lint")
    assert result.returncode != 0, result.stdout
    # ruff, the workflow checks and bash -n passed; then the lock check named the two files
    # that include the test group, and only those.
    assert "No findings to report" in result.stdout
    assert (
        "stale vs pyproject.toml: requirements/test.txt, requirements/automation.txt"
        in result.stdout
    )


def test_lint_fails_on_a_dependabot_config_its_schema_refuses(sandbox: Sandbox) -> None:
    config = sandbox.path / ".github" / "dependabot.yml"
    text = config.read_text()
    assert "interval: weekly" in text
    config.write_text(text.replace("interval: weekly", "interval: fortnightly"))

    result = sandbox.nox("-s", "lint")

    assert result.returncode != 0, result.stdout
    assert "schedule.interval: 'fortnightly' is not one of" in result.stdout


# Unsorted imports and unformatted calls: ruff fixes and formats them.
MESSY = "import sys\nimport os\n\nprint( os.sep,sys.argv )\n"
TIDY = "import os\nimport sys\n\nprint(os.sep, sys.argv)\n"
# eval (S307): a finding no fix removes.
UNSAFE = "def parse(text):\n    return eval( text )\n"


def test_format_fixes_and_formats_and_fails_on_what_ruff_cannot_fix(sandbox: Sandbox) -> None:
    messy = sandbox.write("server/services/messy.py", MESSY)
    tidied = sandbox.nox("-s", "format")
    unsafe = sandbox.write("server/services/unsafe.py", UNSAFE)
    refused = sandbox.nox("-s", "format")

    assert tidied.returncode == 0, tidied.stdout
    assert messy.read_text() == TIDY
    # Formatted all the same, and the session fails, naming the finding.
    assert refused.returncode != 0, refused.stdout
    assert "S307" in refused.stdout
    assert unsafe.read_text() == "def parse(text):\n    return eval(text)\n"


@pytest.fixture
def counting_proxy() -> Iterator[tuple[dict[str, str], list[int]]]:
    """A proxy that counts every connection made to it and serves none: the environment that
    sends uv's (and pip's) requests to it, and the count."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    connections = [0]
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            connections[0] += 1
            client.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    env = dict.fromkeys((*names, *(n.lower() for n in names)), url)
    yield {**env, "NO_PROXY": "", "no_proxy": ""}, connections
    stop.set()
    thread.join()
    server.close()


def test_warm_lint_checks_requirements_without_the_network(
    sandbox: Sandbox, counting_proxy: tuple[dict[str, str], list[int]]
) -> None:
    proxy_env, connections = counting_proxy
    warm_up = sandbox.nox("-s", "lint")
    warm = sandbox.nox("-s", "lint", **proxy_env)
    pyproject = sandbox.path / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace('"pytest>=8.3",', '"pytest>=8.3",\n  "pytest-timeout>=2.3",'))
    before_stale = connections[0]
    stale = sandbox.nox("-s", "lint", **proxy_env)

    assert warm_up.returncode == 0, warm_up.stdout
    # Warm, the check decided every file from uv's cache: not one connection was attempted.
    assert warm.returncode == 0, warm.stdout
    assert "requirements/ is up to date with pyproject.toml" in warm.stdout
    assert "compiling against the index" not in warm.stdout
    assert before_stale == 0
    # A file the cache cannot vouch for is compiled against the index: through the proxy,
    # which refuses it, so lint fails rather than pass unchecked.
    assert stale.returncode != 0, stale.stdout
    assert "test.txt: not reproduced from uv's cache; compiling against the index" in stale.stdout
    assert connections[0] > 0
