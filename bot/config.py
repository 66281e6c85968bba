"""Configuration: YAML → frozen dataclasses.

Unknown keys and wrong types are rejected with the key path named (``telegram.rate_limit.count``),
relative paths are resolved against the config file's folder, and the Telegram token comes from
``TELEGRAM_BOT_TOKEN`` when that is set.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError


def _bundled_knowledge() -> Path:
    """The article shipped with the bot: the repo's knowledge/ in a checkout, bot/knowledge in a wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "knowledge", here / "knowledge"):
        if (candidate / "lexicon" / "dictionary.txt").is_file():
            return candidate
    return here / "knowledge"


BUNDLED_KNOWLEDGE = _bundled_knowledge()
MAX_CONFIG_BYTES = 1_000_000  # a config is a few hundred bytes; refuse to parse a huge one


@dataclass(frozen=True)
class RetrievalConfig:
    top_k: int = 3  # passages returned per answer
    max_figures: int = 5  # figures returned per answer
    min_coverage: float = 0.35  # share of the question's content weight a passage must match


@dataclass(frozen=True)
class RateLimitConfig:
    count: int = 20  # messages a user may send …
    per_seconds: float = 60.0  # … in this many seconds


@dataclass(frozen=True)
class WebhookConfig:
    url: str = ""  # public HTTPS URL Telegram posts to; empty = long polling
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: str = ""
    path: str = ""  # URL path the local server listens on (default: "telegram")


@dataclass(frozen=True)
class TelegramConfig:
    token: str = field(default="", repr=False)  # never printed
    base_url: str = ""  # e.g. http://127.0.0.1:8081/bot for a self-hosted Bot API server
    base_file_url: str = ""
    allowed_chat_ids: tuple[int, ...] = ()  # empty = everyone
    admin_ids: tuple[int, ...] = ()
    rate_limit: RateLimitConfig = RateLimitConfig()
    log_file: str = ""  # JSONL of questions and feedback; empty = no log
    webhook: WebhookConfig = WebhookConfig()


@dataclass(frozen=True)
class Config:
    knowledge: str = str(BUNDLED_KNOWLEDGE)
    index_cache: str = ""  # folder for the saved index; empty = the user cache folder, "none" = off
    log_level: str = "WARNING"
    retrieval: RetrievalConfig = RetrievalConfig()
    telegram: TelegramConfig = TelegramConfig()
    source: str = ""  # the file this came from, "" for built-in defaults


# Keys whose values are paths, resolved against the config file's folder.
_PATH_KEYS = {("knowledge",), ("index_cache",), ("telegram", "log_file")}
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


def _coerce(value: Any, tp: Any, key: str) -> Any:
    """Check ``value`` against the annotation ``tp``; return it converted (lists → tuples)."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"config key '{key}': expected a mapping, got {type(value).__name__}")
        return _build(tp, value, key)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"config key '{key}': expected a list, got {type(value).__name__}")
        (item_tp, _) = typing.get_args(tp)
        return tuple(_coerce(v, item_tp, f"{key}[{i}]") for i, v in enumerate(value))
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"config key '{key}': expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key '{key}': expected an integer, got {value!r}")
        return value
    if tp is str:
        if value is None:
            return ""
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise ConfigError(f"config key '{key}': expected a string, got {value!r}")
        return str(value)
    raise AssertionError(f"unsupported config type {tp!r}")  # a bug in this module


def _build(cls: Any, data: dict[str, Any], prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)} - {"source"}
    kwargs = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if key not in names:
            raise ConfigError(f"unknown config key '{path}'")
        kwargs[key] = _coerce(value, hints[key], path)
    return cls(**kwargs)


def _validate(cfg: Config) -> None:
    r = cfg.retrieval
    if not 1 <= r.top_k <= 20:
        raise ConfigError(f"config key 'retrieval.top_k': must be 1–20, got {r.top_k}")
    if not 0 <= r.max_figures <= 50:
        raise ConfigError(f"config key 'retrieval.max_figures': must be 0–50, got {r.max_figures}")
    if not 0.0 < r.min_coverage <= 1.0:
        raise ConfigError(f"config key 'retrieval.min_coverage': must be in (0, 1], got {r.min_coverage}")
    if cfg.log_level.upper() not in _LOG_LEVELS:
        raise ConfigError(f"config key 'log_level': must be one of {sorted(_LOG_LEVELS)}, got {cfg.log_level!r}")
    rl = cfg.telegram.rate_limit
    if rl.count < 1 or rl.per_seconds <= 0:
        raise ConfigError("config key 'telegram.rate_limit': count must be ≥ 1 and per_seconds > 0")
    if not 0 < cfg.telegram.webhook.port < 65536:
        raise ConfigError(f"config key 'telegram.webhook.port': not a port: {cfg.telegram.webhook.port}")


def load_config(path: str | os.PathLike[str] | None, env: typing.Mapping[str, str] | None = None) -> Config:
    """Read the YAML file at ``path`` (None = built-in defaults) and apply the environment."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    base = Path.cwd()
    source = ""
    if path is not None:
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise ConfigError(f"config file {p}: cannot read ({exc.strerror or exc})") from exc
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(f"config file {p}: too large ({len(raw)} bytes)")
        try:
            # SafeLoader builds no objects; aliases are resolved by reference, so an
            # "alias bomb" costs memory only when walked — _build walks just known keys.
            loaded = yaml.safe_load(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ConfigError(f"config file {p}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {p}: not valid YAML ({str(exc).splitlines()[0]})") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {p}: expected a mapping of keys at the top level")
        data = loaded
        base = p.resolve().parent
        source = str(p)
    try:
        cfg = _build(Config, data)
    except ConfigError as exc:
        if source:
            raise ConfigError(f"{source}: {exc}") from None
        raise
    cfg = _resolve_paths(cfg, base, data)
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if token:
        cfg = dataclasses.replace(cfg, telegram=dataclasses.replace(cfg.telegram, token=token))
    cfg = dataclasses.replace(cfg, source=source)
    _validate(cfg)
    return cfg


def _resolve_paths(cfg: Config, base: Path, data: dict[str, Any]) -> Config:
    def resolve(value: str) -> str:
        return str((base / Path(value).expanduser()).resolve()) if value else value

    if "knowledge" in data:
        if not cfg.knowledge.strip():
            raise ConfigError("config key 'knowledge': empty; give a folder or file, or remove the key for the bundled article")
        cfg = dataclasses.replace(cfg, knowledge=resolve(cfg.knowledge))
    if cfg.index_cache and cfg.index_cache.strip().lower() not in ("none", "off", "false"):
        cfg = dataclasses.replace(cfg, index_cache=resolve(cfg.index_cache))
    if cfg.telegram.log_file:
        tg = dataclasses.replace(cfg.telegram, log_file=resolve(cfg.telegram.log_file))
        cfg = dataclasses.replace(cfg, telegram=tg)
    return cfg


def with_overrides(cfg: Config, *, knowledge: str | None = None, top_k: int | None = None) -> Config:
    """Apply command-line overrides, validated like the file."""
    if knowledge is not None:
        cfg = dataclasses.replace(cfg, knowledge=str(Path(knowledge).resolve()))
    if top_k is not None:
        cfg = dataclasses.replace(cfg, retrieval=dataclasses.replace(cfg.retrieval, top_k=top_k))
    _validate(cfg)
    return cfg


__all__ = [
    "BUNDLED_KNOWLEDGE",
    "Config",
    "RateLimitConfig",
    "RetrievalConfig",
    "TelegramConfig",
    "WebhookConfig",
    "load_config",
    "with_overrides",
]
