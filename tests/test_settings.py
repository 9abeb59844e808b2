"""The settings layer: newsbeam's options → `RunSettings` (run context, stage and fetch settings), the same for
`newsbeam run` and `newsbeam stream`; every option under both spellings; switches that take a value."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions

from pipeline.cli import _print_help
from pipeline.job import run
from pipeline.options import NewsbeamOptions, Option, Switch, add_option
from pipeline.runners import DaskSetupOptions
from pipeline.settings import DEFAULT_SETTINGS, RunSettings, StageSettings, dataset_root
from pipeline.stream import StreamOptions, run_stream
from schemas.document import RunContext
from tests.support import ROOT
from transforms.web.client import FetchConfig

NOW = dt.datetime(2026, 11, 21, 10, 17, 5, 123456, tzinfo=dt.timezone.utc)
OPTION_CLASSES = (NewsbeamOptions, StreamOptions, DaskSetupOptions)


def settings(*argv: str) -> RunSettings:
    return RunSettings.from_options(PipelineOptions(list(argv)), now=NOW)


def actions() -> list[argparse.Action]:
    """Every option newsbeam itself defines, for `run` and `stream`."""
    parser = argparse.ArgumentParser(add_help=False)
    for options in OPTION_CLASSES:
        options._add_argparse_args(parser)
    return [a for a in parser._actions if a.option_strings]


def given(action: argparse.Action) -> str:
    """A value for `action` that is not its default."""
    if isinstance(action, Switch):
        return "true"
    if action.type is int:
        return str((action.default or 0) + 2)
    if action.type is float:
        return "0.75" if action.default != 0.75 else "0.5"
    return f"given-{action.dest}"


def test_no_options_give_the_libraries_defaults() -> None:
    got = settings()
    assert got.stages == DEFAULT_SETTINGS == StageSettings()
    assert dataclasses.replace(got.fetch, session="s") == FetchConfig(session="s")
    assert got.max_bytes == FetchConfig().max_bytes
    assert got.max_internal_errors == 0
    assert got.inputs == ("seeds/",) and got.output == "data/articles" and not got.web


def test_the_run_context_comes_from_the_clock_unless_given() -> None:
    ctx = settings().ctx
    assert re.fullmatch(r"20261121T101705Z-[0-9a-f]{6}", ctx.run_id)
    assert ctx.ingested_at == NOW.replace(microsecond=0)
    assert ctx.reference_date == NOW.date()
    assert settings("--run-id", "r1", "--reference-date", "2026-01-02").ctx == RunContext(
        "r1", NOW.replace(microsecond=0), dt.date(2026, 1, 2)
    )


def test_options_reach_the_stage_and_fetch_settings(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("https://news.example/a\n")
    got = settings(
        *("--min-words", "9", "--taxonomy", "t.yaml", "--keep-non-articles", "--story-window-days", "3"),
        *("--near-duplicate-threshold", "0.8", "--story-threshold", "0.4", "--max-bytes", "1000"),
        *("--user-agent", "ua", "--per-host-delay", "0.5", "--timeout", "4", "--allow-private-hosts"),
        *("--urls", str(urls), "--output", "out/", "--max-internal-errors", "2"),
    )
    assert got.stages == StageSettings(9, "t.yaml", 0.8, 0.4, 3, keep_non_articles=True)
    assert (got.fetch.user_agent, got.fetch.per_host_delay, got.fetch.timeout) == ("ua", 0.5, 4.0)
    assert (got.fetch.max_bytes, got.max_bytes, got.fetch.allow_private_hosts) == (1000, 1000, True)
    assert got.web.url_lists == (str(urls),) and got.inputs == ()  # a web source: no default input
    assert (got.output, got.max_internal_errors) == ("out", 2)
    params = got.manifest_params("DirectRunner")
    assert params["web"]["user_agent"] == "ua" and params["story_window_days"] == 3 and params["output"] == "out"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--reference-date", "21.11.2026"], "--reference-date must be YYYY-MM-DD"),
        (["--story-threshold", "0"], "--story-threshold must be in (0, 1]"),
        (["--near-duplicate-threshold", "1.5"], "--near-duplicate-threshold must be in (0, 1]"),
        (["--story-window-days", "-1"], "--story-window-days must be 0 or more"),
        (["--urls", "/no/such/list.txt"], "newsbeam: "),
    ],
)
def test_bad_values_stop_with_a_message(argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit, match=re.escape(message)):
        settings(*argv)


@pytest.mark.parametrize("command", [run, run_stream], ids=["run", "stream"])
def test_run_and_stream_check_options_in_the_same_place(command: Callable[[list[str]], int], tmp_path: Path) -> None:
    """Both commands take their settings from `RunSettings`: the same bad value, the same message, before Beam
    starts (nothing is written)."""
    argv = ["--feed", "https://news.example/feed", "--output", str(tmp_path / "out"), "--story_threshold=2"]
    with pytest.raises(SystemExit, match=re.escape("--story-threshold must be in (0, 1], got 2.0")):
        command(argv)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("action", actions(), ids=lambda a: a.dest)
def test_every_option_has_both_spellings(action: argparse.Action) -> None:
    dashed, underscored = f"--{action.dest.replace('_', '-')}", f"--{action.dest}"
    assert action.option_strings[0] == dashed
    value = given(action)
    options = next(o for o in OPTION_CLASSES if action.dest in PipelineOptions([]).view_as(o)._visible_option_list())
    by_dash = getattr(PipelineOptions([f"{dashed}={value}"]).view_as(options), action.dest)
    by_underscore = getattr(PipelineOptions([f"{underscored}={value}"]).view_as(options), action.dest)
    assert by_dash == by_underscore != action.default


def test_beams_own_user_agent_flag_is_the_same_setting() -> None:
    """`--user_agent` is also Beam's option (same dest): one flag, both views agree."""
    options = PipelineOptions(["--user_agent=ua/1"])
    assert settings("--user_agent=ua/1").fetch.user_agent == "ua/1"
    assert options.view_as(NewsbeamOptions).user_agent == options.view_as(SetupOptions).user_agent == "ua/1"
    PipelineOptions(["--user-agent=x"]).get_all_options()  # one parser with Beam's options: no clash


@pytest.mark.parametrize(
    ("argv", "on"),
    [
        ([], False),
        (["--keep-non-articles"], True),
        (["--keep_non_articles=true"], True),
        (["--keep-non-articles=True"], True),
        (["--keep_non_articles=false"], False),
        (["--keep-non-articles", "--min-words", "3"], True),
    ],
)
def test_switches_take_a_value_or_none(argv: list[str], on: bool) -> None:
    assert PipelineOptions(argv).view_as(NewsbeamOptions).keep_non_articles is on


def test_a_switch_refuses_other_words() -> None:
    with pytest.raises(SystemExit):
        PipelineOptions(["--allow_private_hosts=maybe"]).view_as(NewsbeamOptions)


def test_options_survive_beams_round_trip_to_workers() -> None:
    """A distributed runner sends the options as a dict; workers rebuild them with `from_dictionary`, which
    spells every option by its dest (`--max_bytes=…`, a true switch bare)."""
    argv = ["--max-bytes", "1000", "--keep-non-articles", "--run-id", "r", "--input", "a", "b", "--feed", "f"]
    sent = PipelineOptions(argv).get_all_options(drop_default=True, retain_unknown_options=True)
    assert {"max_bytes", "keep_non_articles", "run_id", "input", "feed"} <= set(sent)
    rebuilt = PipelineOptions.from_dictionary(sent).view_as(NewsbeamOptions)
    original = PipelineOptions(argv).view_as(NewsbeamOptions)
    for name in ("max_bytes", "keep_non_articles", "run_id", "input", "feed"):
        assert getattr(rebuilt, name) == getattr(original, name), name


def test_an_underscore_spelling_of_another_option_is_refused() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max_bytes", dest="something_else")
    with pytest.raises(ValueError, match="another option"):
        add_option(parser, "max-bytes", type=int)


def test_help_lists_each_option_once(capsys: pytest.CaptureFixture[str]) -> None:
    _print_help("newsbeam run", [NewsbeamOptions, DaskSetupOptions])
    shown = capsys.readouterr().out
    assert "--max-bytes" in shown and "--max_bytes MAX_BYTES" not in shown
    assert "-h, --help" in shown and "spelled with underscores" in shown


def test_input_help_names_every_format_a_run_reads(capsys: pytest.CaptureFixture[str]) -> None:
    """`newsbeam run --help` is where a user learns what `--input` takes: every suffix `ReadLocal` reads."""
    from transforms.read import FORMATS

    _print_help("newsbeam run", [NewsbeamOptions, DaskSetupOptions])
    shown = " ".join(capsys.readouterr().out.split())
    described = shown.split("--input INPUT [INPUT ...]", 2)[-1].split("--output", 1)[0]
    assert [suffix for suffix in FORMATS if suffix not in described] == []


def test_dataset_root_drops_trailing_slashes() -> None:
    assert [dataset_root(p) for p in ("out/", "gs://b/x/", "/", "out")] == ["out", "gs://b/x", "/", "out"]


def _readme_number(text: str) -> float | None:
    """`20 MiB` → 20971520, `0.5` → 0.5; words (`off`, `today (UTC)`) → None."""
    match = re.fullmatch(r"(-?[0-9.]+)( MiB)?", text)
    if not match:
        return None
    return float(match.group(1)) * (1 << 20 if match.group(2) else 1)


def test_readme_states_the_parsers_defaults() -> None:
    """The README's options table restates defaults for readers; it must say what the parser does."""
    section = (ROOT / "README.md").read_text().split("### Options", 1)[1].split("\n#", 1)[0]
    defaults = {a.option_strings[0]: a.default for a in actions()}
    checked = 0
    for flag, default in re.findall(r"^\| `(--[a-z-]+)[^`]*` \| ([^|]+) \|", section, re.MULTILINE):
        number = _readme_number(default.strip())
        if number is not None and flag in defaults:
            assert number == defaults[flag], flag
            checked += 1
    assert checked >= 6, checked


@pytest.mark.parametrize(
    ("args", "code", "stream", "says"),
    [
        ([], 2, "stdout", "newsbeam run"),  # no command: the usage, and the code of a usage error
        (["--help"], 0, "stdout", "newsbeam run"),
        (["stream", "--feed", "http://127.0.0.1:9/f", "--poll-interval", "0"], 1, "stderr", "must be positive"),
        (["frobnicate"], 2, "stderr", "unknown command"),
    ],
)
def test_the_command_exits_with_mains_code_and_flushed_output(
    args: list[str], code: int, stream: str, says: str
) -> None:
    """`newsbeam` skips the interpreter's teardown (`pipeline.cli.command`): its exit code and its output
    must still be exactly what `main` decided and printed."""
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == code, result.stderr
    assert says in getattr(result, stream)


@pytest.mark.parametrize(
    ("option", "shown"),
    [
        (
            Option("poll-every", "Seconds between polls.", type=float, default=300.0),
            "Seconds between polls. Default: 300",
        ),
        (Option("label", "A label.", default="news"), "A label. Default: news"),
        (Option("label", "A label. Default: none given.", default="news"), "A label. Default: none given."),
        (Option("label", "A label."), "A label."),
    ],
)
def test_an_option_declared_as_data_says_its_default_once(option: Option, shown: str) -> None:
    group = argparse.ArgumentParser().add_argument_group("g")
    action = option.add_to(group)
    assert action.help == shown
    assert action.default == option.default
    assert (
        action.option_strings == ["--" + option.name, "--" + option.name.replace("-", "_")][: 1 + ("-" in option.name)]
    )
