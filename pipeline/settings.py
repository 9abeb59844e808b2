"""What a run or a stream is told, built from its options in one place.

`newsbeam run` (`pipeline/job.py`) and `newsbeam stream` (`pipeline/stream.py`) both start from
`RunSettings.from_options`: the run's identity and dates (`RunContext`, stamped on every row), what the
stages are told (`StageSettings`), how to talk to web servers (`FetchConfig`), the web sources, and the
dataset folder. A bad value stops the command here, with a message, before Beam starts. The defaults
themselves live in `pipeline/options.py`, taken from the libraries' own constants.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from apache_beam.options.pipeline_options import PipelineOptions

from pipeline import DEFAULT_INPUT
from pipeline.options import NewsbeamOptions
from schemas.document import RunContext
from transforms.discover import web_sources_from
from transforms.tag import DEFAULT_MIN_WORDS
from transforms.text.minhash import DEFAULT_NEAR_DUPLICATE_THRESHOLD
from transforms.text.stories import DEFAULT_STORY_THRESHOLD, DEFAULT_WINDOW_DAYS
from transforms.web.client import FetchConfig
from transforms.web.feeds import WebSources

__all__ = [
    "DEFAULT_SETTINGS",
    "FetchConfig",
    "RunContext",
    "RunSettings",
    "StageSettings",
    "dataset_root",
    "new_run_id",
]


def _named_options(opts: NewsbeamOptions, names: Iterable[str]) -> dict[str, Any]:
    """The options `names` as keyword arguments: each setting is named as its option's destination."""
    return {name: getattr(opts, name) for name in names}


@dataclass(frozen=True)
class StageSettings:
    """What the tagging and dedupe stages are told, the same for a batch run and a stream; one place to add
    a stage option instead of four."""

    min_words: int = DEFAULT_MIN_WORDS
    taxonomy: str | None = None
    near_duplicate_threshold: float = DEFAULT_NEAR_DUPLICATE_THRESHOLD
    story_threshold: float = DEFAULT_STORY_THRESHOLD
    story_window_days: int = DEFAULT_WINDOW_DAYS
    keep_non_articles: bool = False  # write pages the article gate turns away (`page_kind` says what they are)
    reprocess: bool = False  # process inputs an earlier run with the same settings settled (`--reprocess`)

    @classmethod
    def from_options(cls, opts: NewsbeamOptions) -> StageSettings:
        return cls(**_named_options(opts, (f.name for f in fields(cls))))

    def dedupe_options(self) -> dict[str, Any]:
        """The keyword arguments of `Dedupe` and `StreamDedupe` (also recorded in the run manifest)."""
        return {
            "near_duplicate_threshold": self.near_duplicate_threshold,
            "story_threshold": self.story_threshold,
            "story_window_days": self.story_window_days,
        }

    def recorded(self, output: str, ctx: RunContext) -> dict[str, Any]:
        """What a manifest records of the settings that shape an article, for a batch run and a stream window
        alike (each adds what is its own: inputs and runner, or sources and polling)."""
        return {
            "output": output,
            "reference_date": ctx.reference_date.isoformat(),
            "ingested_at": ctx.ingested_at.isoformat(),
            "taxonomy": self.taxonomy,
            "keep_non_articles": self.keep_non_articles,
            **self.dedupe_options(),
        }


DEFAULT_SETTINGS = StageSettings()


def new_run_id(now: dt.datetime) -> str:
    """`20261121T101700Z-3fa2c1`: sorts by start time, and two runs started in the same second differ."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def dataset_root(output: str) -> str:
    """`--output` as the dataset's folder name: no trailing slash (`/` stays `/`), so file names join once."""
    return output.rstrip("/") or "/"


def parse_reference(value: str | None, now: dt.datetime) -> dt.date:
    """`--reference-date`, today (UTC) when not given."""
    if value is None:
        return now.date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise SystemExit(f"newsbeam: --reference-date must be YYYY-MM-DD, got {value!r}") from exc


def check_story_options(opts: NewsbeamOptions) -> None:
    """Thresholds are similarities in (0, 1] and the window is whole days; say so before Beam starts."""
    for flag, value in (
        ("--near-duplicate-threshold", opts.near_duplicate_threshold),
        ("--story-threshold", opts.story_threshold),
    ):
        if not 0.0 < value <= 1.0:
            raise SystemExit(f"newsbeam: {flag} must be in (0, 1], got {value}")
    if opts.story_window_days < 0:
        raise SystemExit(f"newsbeam: --story-window-days must be 0 or more, got {opts.story_window_days}")


def web_sources(opts: NewsbeamOptions) -> WebSources:
    """--feed/--feeds/--sitemap/--urls; a bad list file or URL stops the run with a message."""
    try:
        return web_sources_from(opts.feed or [], opts.feeds or [], opts.sitemap or [], opts.urls or [])
    except ValueError as exc:
        raise SystemExit(f"newsbeam: {exc}") from exc


def fetch_config(opts: NewsbeamOptions) -> FetchConfig:
    """The web options; what the options do not set keeps `FetchConfig`'s default."""
    return FetchConfig(
        **_named_options(opts, ("user_agent", "per_host_delay", "timeout", "max_bytes", "allow_private_hosts"))
    )


@dataclass(frozen=True)
class RunSettings:
    """Everything `newsbeam run` and `newsbeam stream` take from newsbeam's options (Beam's own stay in the
    `PipelineOptions`)."""

    ctx: RunContext
    stages: StageSettings
    fetch: FetchConfig
    web: WebSources
    inputs: tuple[str, ...]  # local files, globs, folders: `--input`, else seeds/ unless web sources are given
    output: str  # the dataset folder, as `dataset_root` gives it
    max_internal_errors: int

    @property
    def max_bytes(self) -> int:
        """The largest input read or fetched: one option for local files and web pages alike."""
        return self.fetch.max_bytes

    @classmethod
    def from_options(cls, options: PipelineOptions, now: dt.datetime | None = None) -> RunSettings:
        """Read and check the options; `now` (UTC) is the run's start, from the clock unless given."""
        opts = options.view_as(NewsbeamOptions)
        now = now or dt.datetime.now(dt.timezone.utc)
        check_story_options(opts)
        ctx = RunContext(
            run_id=opts.run_id or new_run_id(now),
            ingested_at=now.replace(microsecond=0),
            reference_date=parse_reference(opts.reference_date, now),
        )
        web = web_sources(opts)
        return cls(
            ctx=ctx,
            stages=StageSettings.from_options(opts),
            fetch=fetch_config(opts),
            web=web,
            inputs=tuple(opts.input or ([] if web else [DEFAULT_INPUT])),
            output=dataset_root(opts.output),
            max_internal_errors=opts.max_internal_errors,
        )

    def graph_args(self) -> dict[str, Any]:
        """What a batch run's graph and a stream's (`pipeline.build`) both take from the settings, as keyword
        arguments: one place to pass a new setting to both."""
        return {"output": self.output, "ctx": self.ctx, "settings": self.stages, "fetch": self.fetch}

    def manifest_params(self, runner: str) -> dict[str, Any]:
        """The settings a batch run records in its manifest (`_runs/<run_id>.json`, `params`)."""
        params: dict[str, Any] = {
            "inputs": list(self.inputs),
            "runner": runner,
            **self.stages.recorded(self.output, self.ctx),
        }
        if self.web:
            params["web"] = {
                "sources": [s.url for s in self.web.sources],
                "url_lists": list(self.web.url_lists),
                "user_agent": self.fetch.user_agent,
                "per_host_delay": self.fetch.per_host_delay,
                "timeout": self.fetch.timeout,
                "allow_private_hosts": self.fetch.allow_private_hosts,
            }
        return params
