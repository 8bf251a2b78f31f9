"""What every lesson 6 exercise shares: the notes it shows and small text helpers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

PRIVACY_NOTE = (
    "Nothing you type or tick here is stored or sent anywhere: it stays in this "
    "notebook's memory and is gone when the kernel stops (Clear removes it sooner). "
    "Use a fictional case; if you think of your own, you never need to write it here. "
    "(JupyterLab writes widget values into the notebook file only if you turn on "
    "Settings > Save Widget State Automatically.)"
)

NOT_A_VERDICT = (
    "This reading describes the answers given about one described situation. It is not "
    "a verdict about any real relationship or person."
)

SUPPORT_NOTE = (
    "If this exercise raises a concern about someone's safety, including your own, talk "
    "to your supervisor or a local support service."
)

#: The two people of a described situation, in display order.
PEOPLE: tuple[str, str] = ("A", "B")


def join_words(words: Sequence[str], conjunction: str) -> str:
    """'a', 'a and b', 'a, b and c': lists read as a sentence, not as code."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def html_list(items: Iterable[str], tag: str = "ul") -> str:
    return f"<{tag}>" + "".join(f"<li>{escape(item)}</li>" for item in items) + f"</{tag}>"


def check_choice(value: str, choices: Sequence[str], what: str) -> None:
    if value not in choices:
        raise ValueError(f"{what}: {value!r} is not one of {', '.join(choices)}")
