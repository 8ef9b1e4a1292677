"""YAML front matter is read by a real parser, and there is one ConfigError (issue 14)."""

from __future__ import annotations

from narrator.extract.markdown import front_matter


def test_yaml_quotes_comments_and_block_values() -> None:
    text = (
        "---\n"
        "title: 'It''s here'\n"
        'subtitle: "a # b" # a real comment\n'
        "description: >\n  folded\n  text\n"
        "notes: |\n  line one\n  line two\n"
        "author:\n  name: Jane Doe\n"
        "---\nBody.\n"
    )
    meta, rest, dropped = front_matter(text)
    assert meta["title"] == "It's here"
    assert meta["subtitle"] == "a # b"
    assert meta["description"] == "folded text\n"
    assert meta["notes"] == "line one\nline two\n"
    assert meta["author"] == "Jane Doe"
    assert rest == "Body.\n" and dropped == []


def test_unreadable_yaml_is_dropped_with_a_note() -> None:
    meta, rest, dropped = front_matter("---\ntitle: [unclosed\n---\nBody.\n")
    assert meta == {} and rest == "Body.\n"
    assert dropped[0].detail.startswith("YAML front matter that could not be read")


def test_one_config_error() -> None:
    from narrator import errors
    from narrator.server import config

    assert config.ConfigError is errors.ConfigError
