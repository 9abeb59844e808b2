"""deploy/: every file checked as far as possible without a cloud account or a Docker engine.

Checked: YAML/JSON parse; the Beam version is pinned once in the Dockerfile and equals pyproject.toml and
every Beam image tag; the Flex Template parameters are exactly `newsbeam run`'s options, parsed as given,
their stated defaults the parser's; every command line (Kubernetes, compose, cron, systemd, Airflow) parses
with no unknown option; services select their pods; the Flex entry point runs end to end on the
DirectRunner. Not checked here: `docker build` (no Docker engine), Dataflow/Flink/Kubernetes themselves,
systemd and cron daemons.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import apache_beam
import pytest
import tomllib
import yaml
from apache_beam.options.pipeline_options import FlinkRunnerOptions, PipelineOptions

import pipeline.runners  # noqa: F401  (registers --dask-workers, --dask-address)
from pipeline.cli import compact_parser
from pipeline.options import NewsbeamOptions, Switch
from pipeline.report import report_parser
from tests.conftest import ROOT, SEEDS

DEPLOY = ROOT / "deploy"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DOCKERFILE = (DEPLOY / "Dockerfile").read_text()


def beam_pin() -> str:
    pins = set()
    requirements = PYPROJECT["project"]["dependencies"] + [
        r for extra in PYPROJECT["project"]["optional-dependencies"].values() for r in extra
    ]
    for requirement in requirements:
        match = re.fullmatch(r"apache-beam(\[[a-z,]+\])?==([0-9.]+)", requirement.replace(" ", ""))
        if requirement.replace(" ", "").startswith("apache-beam"):
            assert match, f"apache-beam must be pinned exactly: {requirement}"
            pins.add(match.group(2))
    assert len(pins) == 1, pins
    return pins.pop()


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def yaml_docs() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(DEPLOY.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            assert isinstance(doc, dict), path
            yield path, doc


def newsbeam_options() -> dict[str, Any]:
    import argparse

    parser = argparse.ArgumentParser(add_help=False)
    NewsbeamOptions._add_argparse_args(parser)
    return {a.dest: a for a in parser._actions if a.option_strings}


def unknown_options(args: list[str]) -> set[str]:
    """Options in `args` that neither newsbeam nor any Beam runner knows."""
    import apache_beam.runners.dask.dask_runner  # noqa: F401  (registers the Dask runner's options)

    known = set(PipelineOptions([]).get_all_options())
    return set(PipelineOptions(args).get_all_options(retain_unknown_options=True)) - known


def assert_run_command(command: list[str]) -> list[str]:
    """A `newsbeam run …` command line: the run arguments, checked to be all known options."""
    assert Path(command[0]).name == "newsbeam" and command[1] == "run", command
    args = command[2:]
    assert all(a.startswith("--") or not a.startswith("-") for a in args), args
    assert unknown_options(args) == set(), args
    return args


# --- the image ------------------------------------------------------------------------------------------


def test_beam_version_is_pinned_once_and_matches_pyproject() -> None:
    pin = beam_pin()
    assert apache_beam.__version__ == pin  # what the tests run against
    args = re.findall(r"^ARG BEAM_VERSION=(\S+)$", DOCKERFILE, re.MULTILINE)
    assert args == [pin]
    # everywhere else the Dockerfile says ${BEAM_VERSION}, never a literal version
    instructions = [line for line in DOCKERFILE.splitlines() if line.strip() and not line.startswith("#")]
    literal = [line for line in instructions if re.search(r"\d+\.\d+\.\d+", line)]
    assert literal == [f"ARG BEAM_VERSION={pin}"], literal
    assert "FROM apache/beam_python3.11_sdk:${BEAM_VERSION}" in DOCKERFILE
    assert "python311-template-launcher-base" in DOCKERFILE  # the launcher's Python matches the SDK image's
    tags = []
    for path, doc in yaml_docs():
        for image in re.findall(r"image: ?['\"]?(apache/beam_[^\s'\"]+)", yaml.safe_dump(doc)):
            tags.append((path.name, image.split(":")[1]))
    assert tags and {tag for _, tag in tags} == {pin}, tags


def test_dockerfile_installs_the_package_with_the_pinned_beam() -> None:
    (install,) = [line for line in DOCKERFILE.splitlines() if line.startswith("RUN pip install")]
    assert '"apache-beam[gcp,dask]==${BEAM_VERSION}"' in install and '".[dask,gcs]"' in install
    assert {"dask", "gcs"} <= set(PYPROJECT["project"]["optional-dependencies"])
    copied = {
        source
        for line in DOCKERFILE.splitlines()
        if line.startswith("COPY ") and "--from" not in line
        for source in line.split()[1:-1]
    }
    packages = set(PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"])
    assert {p.rstrip("*") for p in packages} <= copied and "deploy" in copied
    assert {"pyproject.toml", "README.md"} <= copied
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert not {p.rstrip("*") for p in packages} & set(ignored)
    (workdir,) = re.findall(r"^WORKDIR (\S+)$", DOCKERFILE, re.MULTILINE)
    (entry,) = re.findall(r"^ENV FLEX_TEMPLATE_PYTHON_PY_FILE=(\S+)$", DOCKERFILE, re.MULTILINE)
    assert entry.startswith(workdir + "/") and (ROOT / entry[len(workdir) + 1 :]).is_file()
    assert 'ENTRYPOINT ["/opt/apache/beam/boot"]' in DOCKERFILE  # the SDK worker entrypoint stays


# --- Dataflow Flex Template ----------------------------------------------------------------------------


def sample_value(action: Any) -> tuple[str, Any]:
    """A template value for an option and what NewsbeamOptions should parse from it."""
    if isinstance(action, Switch):
        return "true", True
    if action.type is int:
        return "7", 7
    if action.type is float:
        return "0.5", 0.5
    if action.dest == "reference_date":
        return "2026-11-21", "2026-11-21"
    if action.dest == "run_id":
        return "flex-run-1", "flex-run-1"
    value = f"gs://bucket/{action.dest}"
    many = action.nargs in ("+", "*") or type(action).__name__ in ("_AppendAction", "_ExtendAction")
    return value, [value] if many else value


def test_flex_template_parameters_mirror_the_cli() -> None:
    metadata = json.loads((DEPLOY / "flex" / "metadata.json").read_text())
    assert metadata["name"] and metadata["description"] and metadata["streaming"] is False
    params = {p["name"]: p for p in metadata["parameters"]}
    assert len(params) == len(metadata["parameters"])
    options = newsbeam_options()
    assert set(params) == set(options), "metadata.json parameters must be exactly NewsbeamOptions' options"
    for name, param in params.items():
        assert param["label"] and param["helpText"], name
        assert param["isOptional"] is (name != "output"), name
        value, expected = sample_value(options[name])
        for regex in param.get("regexes", []):
            assert re.fullmatch(regex, value), (name, regex, value)
        # what the launcher passes is what newsbeam run parses, as it is
        parsed = PipelineOptions([f"--{name}={value}", "--project=p"]).view_as(NewsbeamOptions)
        assert getattr(parsed, name) == expected, name
        # a default the template states is the parser's
        stated = re.search(r"Default: (-?[0-9]+(?:\.[0-9]+)?)\.?$", param["helpText"])
        if stated:
            assert float(stated.group(1)) == options[name].default, (name, stated.group(1))
    assert PipelineOptions(["--allow_private_hosts=false"]).view_as(NewsbeamOptions).allow_private_hosts is False


@pytest.mark.e2e
def test_flex_entry_point_submits_and_the_run_verifies_afterwards(tmp_path: Path) -> None:
    """deploy/flex/main.py as the Flex launcher runs it, here on the DirectRunner: it returns after
    submitting (--no_wait_until_finish) and `newsbeam verify` checks the run."""
    out = tmp_path / "articles"
    args = [f"--input={SEEDS}", f"--output={out}", "--run_id=flex-1", "--reference_date=2026-11-21"]
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "flex" / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "newsbeam run flex-1 submitted" in result.stdout
    assert f"newsbeam verify --output {out} --run-id flex-1" in result.stdout
    from pipeline import manifest

    report = manifest.verify(str(out), "flex-1")
    assert report.problems == [] and report.inputs == 5


# --- Kubernetes: Flink through the portable runner -----------------------------------------------------


def test_kubernetes_manifests() -> None:
    docs = [(p.name, d) for p, d in yaml_docs() if p.parent.name == "k8s"]
    kinds = sorted({d["kind"] for _, d in docs})
    assert kinds == ["CronJob", "Deployment", "Job", "Namespace", "PersistentVolumeClaim", "Service"]
    deployments = {d["metadata"]["name"]: d for _, d in docs if d["kind"] == "Deployment"}
    assert set(deployments) == {"flink-jobmanager", "flink-taskmanager", "beam-job-server"}
    for _, service in ((n, d) for n, d in docs if d["kind"] == "Service"):
        target = deployments[service["metadata"]["name"]]
        labels = target["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
        assert target["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ports = {p["containerPort"] for c in target["spec"]["template"]["spec"]["containers"] for p in c["ports"]}
        assert {p["port"] for p in service["spec"]["ports"]} <= ports

    # Beam's Flink job server, for a Flink version Beam publishes, next to that Flink
    (server,) = deployments["beam-job-server"]["spec"]["template"]["spec"]["containers"]
    flink = re.fullmatch(r"apache/beam_flink(\d+\.\d+)_job_server:.+", server["image"])
    assert flink and flink.group(1) in FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS
    for name in ("flink-jobmanager", "flink-taskmanager"):
        images = [c["image"] for c in deployments[name]["spec"]["template"]["spec"]["containers"]]
        assert images[0].startswith(f"flink:{flink.group(1)}-"), images
    assert "--flink-master=flink-jobmanager:8081" in server["args"]

    # task managers carry the newsbeam image as the SDK worker pool the launcher points at
    version = PYPROJECT["project"]["version"]
    pool = deployments["flink-taskmanager"]["spec"]["template"]["spec"]["containers"][1]
    assert pool["image"] == f"newsbeam:{version}" and pool["args"] == ["--worker_pool"]
    assert pool["ports"][0]["containerPort"] == 50000

    jobs = [d for _, d in docs if d["kind"] in ("Job", "CronJob")]
    assert len(jobs) == 2
    for job in jobs:
        pod = (job["spec"]["jobTemplate"] if job["kind"] == "CronJob" else job)["spec"]["template"]["spec"]
        if job["kind"] == "CronJob":
            assert len(job["spec"]["schedule"].split()) == 5 and job["spec"]["concurrencyPolicy"] == "Forbid"
            # the run is the init container: the report starts once the run has succeeded, on its dataset
            (container,) = pod["initContainers"]
            (report,) = pod["containers"]
            assert report["image"] == f"newsbeam:{version}"
            output = next(a for a in container["command"] if a.startswith("--output=")).split("=", 1)[1]
            check_report([report["command"][0], report["command"][1], *split_equals(report["command"][2:])], output)
            assert report["env"] == container["env"] and report["volumeMounts"] == container["volumeMounts"]
        else:
            (container,) = pod["containers"]
        assert container["image"] == f"newsbeam:{version}"
        args = assert_run_command(container["command"])
        options = dict(a[2:].split("=", 1) for a in args)
        assert options["runner"] == "PortableRunner"
        assert options["job_endpoint"] == "beam-job-server:8099"
        assert options["artifact_endpoint"] == "beam-job-server:8098"
        assert (options["environment_type"], options["environment_config"]) == ("EXTERNAL", "localhost:50000")


def split_equals(args: list[str]) -> list[str]:
    """`--name=value` → `--name`, `value` (argparse takes both; check_report looks for `--out`)."""
    return [part for a in args for part in (a.split("=", 1) if a.startswith("--") and "=" in a else [a])]


# --- Dask ------------------------------------------------------------------------------------------------


def test_dask_compose_recipe() -> None:
    compose = yaml.safe_load((DEPLOY / "dask" / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"scheduler", "worker", "launcher"}
    version = PYPROJECT["project"]["version"]
    volumes = {name: s["volumes"] for name, s in services.items()}
    assert len({tuple(v) for v in volumes.values()}) == 1, "every service must see the data at the same path"
    assert all(s["image"] == f"newsbeam:{version}" for s in services.values())
    scheduler = services["scheduler"]["entrypoint"]
    port = scheduler[scheduler.index("--port") + 1]
    worker = services["worker"]["entrypoint"]
    assert worker[:3] == ["dask", "worker", f"tcp://scheduler:{port}"]
    assert worker[worker.index("--nthreads") + 1] == "1"
    args = assert_run_command(["newsbeam", *services["launcher"]["command"]])
    assert "--runner=dask" in args and f"--dask-address=tcp://scheduler:{port}" in args
    data = volumes["launcher"][0].split(":")[-1]
    assert all(a.split("=", 1)[1].startswith(data) for a in args if a.startswith(("--input", "--output")))


# --- schedules ------------------------------------------------------------------------------------------

_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")


def shell_words(command: str) -> list[str]:
    """The words of a shell command line, `sh -c '…'` scripts opened up."""
    words = []
    for word in shlex.split(command):
        words += shell_words(word) if " " in word else [word]
    return words


def newsbeam_invocations(command: str) -> list[list[str]]:
    """Each `…/newsbeam <cmd> …` in a shell command line, as an argv."""
    words = shell_words(command)
    found = []
    for i, word in enumerate(words):
        if word == "newsbeam" or word.endswith("/bin/newsbeam"):
            end = next((j for j in range(i + 1, len(words)) if words[j] in ("&&", ">>", "||", ";")), len(words))
            found.append(words[i:end])
    return found


def check_invocations(invocations: list[list[str]]) -> None:
    assert [argv[1] for argv in invocations] == ["run", "compact", "report"]
    run_args = assert_run_command(invocations[0])
    compact_args = compact_parser().parse_args(invocations[1][2:])
    output = run_args[run_args.index("--output") + 1]
    assert compact_args.output == output, "compaction must merge the dataset the run writes"
    check_report(invocations[2], output)


def check_report(argv: list[str], output: str) -> None:
    """A `newsbeam report …` command: of the dataset the run writes, to a page outside it."""
    assert Path(argv[0]).name == "newsbeam" and argv[1] == "report", argv
    args = report_parser().parse_args(argv[2:])
    assert args.output == output, "the report must show the dataset the run writes"
    assert "--out" in argv and args.out.endswith(".html")
    assert not args.out.startswith(output.rstrip("/") + "/"), "the page is not part of the dataset"


def test_cron_line() -> None:
    lines = [
        line
        for line in (DEPLOY / "schedule" / "newsbeam.cron").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not re.match(r"^[A-Z]+=", line)
    ]
    (line,) = lines
    fields = line.split(None, 6)
    assert all(_CRON_FIELD.match(f) for f in fields[:5]), fields[:5]
    assert fields[5] == "newsbeam"  # /etc/cron.d lines name the user
    check_invocations(newsbeam_invocations(fields[6]))
    # the report follows the run whether or not it succeeded (`;`), compaction only a run that verified (`&&`)
    words = shell_words(fields[6])
    report_at = next(i for i, w in enumerate(words) if w.endswith("newsbeam") and words[i + 1] == "report")
    assert words[report_at - 1] == ";"


def unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        assert current is not None and "=" in line, line
        key, value = line.split("=", 1)
        current.append((key, value))
    return sections


def test_systemd_service_and_timer() -> None:
    service = unit(DEPLOY / "schedule" / "newsbeam.service")
    timer = unit(DEPLOY / "schedule" / "newsbeam.timer")
    assert set(service) == {"Unit", "Service", "Install"} and set(timer) == {"Unit", "Timer", "Install"}
    settings = dict(service["Service"])
    assert settings["Type"] == "oneshot"  # several ExecStart lines run in order
    commands = [v for k, v in service["Service"] if k == "ExecStart"]
    # ExecStopPost runs after ExecStart whether it succeeded or not: the report also shows a failed run
    after = [v for k, v in service["Service"] if k == "ExecStopPost"]
    assert all(c.startswith("/") for c in commands + after)
    check_invocations([shlex.split(c) for c in commands + after])
    timer_settings = dict(timer["Timer"])
    assert timer_settings["Unit"] == "newsbeam.service" and timer_settings["OnCalendar"]
    assert dict(timer["Install"])["WantedBy"] == "timers.target"


# --- Airflow --------------------------------------------------------------------------------------------

DAG_FILE = DEPLOY / "airflow" / "newsbeam_dag.py"


def test_airflow_dag_text() -> None:
    """What can be checked without Airflow: the operator, the launcher file, every pipeline option."""
    tree = ast.parse(DAG_FILE.read_text())
    imports = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert {"DAG", "BeamRunPythonPipelineOperator", "DataflowConfiguration"} <= imports
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "BeamRunPythonPipelineOperator"
    ]
    (call,) = calls
    kwargs = {k.arg: k.value for k in call.keywords}
    assert ast.literal_eval(kwargs["runner"]) == "DataflowRunner"
    # py_interpreter + py_options + py_file, then the options: `python3 -m pipeline.cli run --name=value …`
    command = [ast.literal_eval(kwargs["py_interpreter"]), *ast.literal_eval(kwargs["py_options"])]
    assert [*command, ast.literal_eval(kwargs["py_file"])] == ["python3", "-m", "pipeline.cli", "run"]
    (options,) = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "PIPELINE_OPTIONS"
    ]
    assert isinstance(options, ast.Dict)
    # constants as they are, templated values (f-strings, Jinja) as a placeholder
    given = {
        ast.literal_eval(k): v.value if isinstance(v, ast.Constant) else "x"
        for k, v in zip(options.keys, options.values, strict=True)
        if k is not None
    }
    assert {"input", "output", "reference_date", "run_id", "sdk_container_image", "temp_location"} <= set(given)
    argv = [f"--{k}={v}" for k, v in given.items()]
    assert unknown_options(argv) == set(), argv
    parsed = PipelineOptions(argv).view_as(NewsbeamOptions)
    for name in ("input", "output", "reference_date", "run_id"):  # newsbeam's own, by their argparse names
        value = getattr(parsed, name)
        assert (value[0] if isinstance(value, list) else value) == given[name], name

    # the report task: after the ingest whatever its outcome, on the dataset the ingest writes
    (report,) = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "BashOperator"]
    report_kwargs = {k.arg: k.value for k in report.keywords}
    assert ast.literal_eval(report_kwargs["trigger_rule"]) == "all_done"
    names = {"NEWSBEAM_HOME": "/opt/newsbeam", "BUCKET": "bucket"}
    names["OUTPUT"] = eval(compile(ast.Expression(module_value(tree, "OUTPUT")), "dag", "eval"), names)
    assert ast.unparse(options.values[[ast.literal_eval(k) for k in options.keys if k].index("output")]) == "OUTPUT"
    command = eval(compile(ast.Expression(report_kwargs["bash_command"]), "dag", "eval"), names)
    cd, _, report_command = command.partition(" && ")
    assert cd == "cd /opt/newsbeam"
    words = shlex.split(report_command)
    assert words[:3] == ["python3", "-m", "pipeline.cli"]
    check_report(["newsbeam", *words[3:]], names["OUTPUT"])
    assert any(isinstance(n, ast.BinOp) and ast.unparse(n) == "ingest >> report" for n in ast.walk(tree)), (
        "report must follow ingest"
    )


def module_value(tree: ast.Module, name: str) -> ast.expr:
    (value,) = [n.value for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == name]
    return value


def test_airflow_dag_imports() -> None:
    """Only with Airflow and its Beam and Google providers installed (not in this project's test extra)."""
    pytest.importorskip("airflow")
    module = load(DAG_FILE)
    dag = module.dag
    assert dag.dag_id == "newsbeam_hourly" and [t.task_id for t in dag.tasks] == ["ingest", "report"]
    assert type(dag.tasks[0]).__name__ == "BeamRunPythonPipelineOperator"
