"""Voice profiles: TOML files in the voices folders, plus bare Piper models found there."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

from .errors import VoiceError
from .language import primary
from .models import PausePolicy, VoiceProfile
from .resources import voices_dirs

__all__ = ["DEFAULT_VOICE", "get_profile", "load_profiles", "parse_profile"]

DEFAULT_VOICE = "heart"
_PAUSE_FIELDS = {f.name for f in fields(PausePolicy)}
_NOT_PROFILES = {"lexicon.toml"}

MAX_PAUSE_MS = 10_000
"""The longest pause a profile may ask for: ten seconds is already dead air, and a bound
keeps a typo such as 3500000 from allocating an hour of silence per sentence."""


def parse_profile(data: dict[str, Any], path: Path | None = None) -> VoiceProfile:
    """Build a profile from parsed TOML, with a clear error for any bad field."""
    where = f"voice profile {path}" if path else "voice profile"
    try:
        name = str(data["name"])
        engine = str(data["engine"])
    except KeyError as exc:
        raise VoiceError(f"The {where} has no {exc.args[0]!r} field. Add it.") from exc
    pauses_raw = data.get("pauses", {})
    if not isinstance(pauses_raw, dict):
        raise VoiceError(f"The {where} has a [pauses] that is not a table.")
    unknown = set(pauses_raw) - _PAUSE_FIELDS
    if unknown:
        raise VoiceError(
            f"The {where} has unknown pause fields {sorted(unknown)}; "
            f"known ones are {sorted(_PAUSE_FIELDS)}."
        )
    for key, value in pauses_raw.items():
        # bool is an int in Python, and a float such as 1e300 or nan converts badly.
        if isinstance(value, bool) or not isinstance(value, int):
            raise VoiceError(
                f"The {where} has pauses.{key} = {value!r}; give whole milliseconds, "
                f"from 0 to {MAX_PAUSE_MS}."
            )
        if not 0 <= value <= MAX_PAUSE_MS:
            raise VoiceError(
                f"The {where} has pauses.{key} = {value}; use 0 to {MAX_PAUSE_MS} milliseconds."
            )
    pauses = PausePolicy(**pauses_raw)
    raw_rate = data.get("rate", 1.0)
    if isinstance(raw_rate, bool) or not isinstance(raw_rate, int | float):
        raise VoiceError(f"The {where} has rate = {raw_rate!r}; give a number from 0.25 to 4.0.")
    rate = float(raw_rate)
    if not 0.25 <= rate <= 4.0:  # also refuses nan
        raise VoiceError(f"The {where} has rate {rate}; use a value from 0.25 to 4.0.")
    return VoiceProfile(
        name=name,
        engine=engine,
        model=str(data.get("model", "")),
        rate=rate,
        pauses=pauses,
        description=str(data.get("description", "")),
        path=path,
        language=primary(str(data.get("language", "en"))) or "en",
    )


def _piper_language(config: Path) -> str:
    """The language a Piper voice's config names (``language.code`` such as ``fr_FR``, or
    its espeak voice), ``en`` when it names none."""
    import json

    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "en"
    language = data.get("language") if isinstance(data, dict) else None
    code = language.get("code") if isinstance(language, dict) else None
    espeak = data.get("espeak") if isinstance(data, dict) else None
    voice = espeak.get("voice") if isinstance(espeak, dict) else None
    return primary(str(code or voice or "en")) or "en"


def load_profiles() -> dict[str, VoiceProfile]:
    """Every voice profile, by name; a folder earlier in the search order wins."""
    profiles: dict[str, VoiceProfile] = {}
    for folder in reversed(voices_dirs()):  # later (lower-priority) first, then overwrite
        for onnx in sorted(folder.glob("*.onnx")):
            if onnx.with_suffix(".onnx.json").is_file():
                profiles[onnx.stem] = VoiceProfile(
                    name=onnx.stem,
                    engine="piper",
                    model=str(onnx),
                    description=f"Piper voice model found in {folder}",
                    language=_piper_language(onnx.with_suffix(".onnx.json")),
                )
        for toml_path in sorted(folder.glob("*.toml")):
            if toml_path.name in _NOT_PROFILES:
                continue
            try:
                data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise VoiceError(
                    f"The voice profile {toml_path} cannot be read ({exc}). Fix or remove it."
                ) from exc
            profile = parse_profile(data, toml_path)
            profiles[profile.name] = profile
    return profiles


def _engine_voice(name: str) -> VoiceProfile | None:
    """A profile for a voice an engine lists (``narrator voices`` shows them), so any
    listed voice works with ``--voice`` as listed; default pauses and rate."""
    from .engines import engine_class, engine_names
    from .errors import NarratorError

    for engine in engine_names():
        try:
            offered = engine_class(engine).available_voices()
        except NarratorError:
            continue
        for voice in offered:
            if voice.id == name:
                return VoiceProfile(
                    name=name, engine=engine, model=name, description=voice.description
                )
    return None


def get_profile(name: str) -> VoiceProfile:
    """The profile called ``name``."""
    profiles = load_profiles()
    if name in profiles:
        return profiles[name]
    engine_voice = _engine_voice(name)
    if engine_voice is not None:
        return engine_voice
    known = ", ".join(sorted(profiles)) or "none"
    raise VoiceError(
        f"Unknown voice {name!r}. Known voices: {known}. Run 'narrator voices' to list them."
    )
