"""What an error page says: what happened, in words, and where to go next.

Participants and researchers are sent to different places: a participant's page never points to
the researcher log-in (a participant cannot log in there), only back to the diary or to the
personal link. A page that belongs to neither (an unknown address) names both ways in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ErrorPage", "audience_of", "error_page"]

Audience = Literal["participant", "researcher", "anyone"]

TITLES = {
    400: "The request could not be read",
    401: "You need to sign in first",
    403: "This action was not allowed",
    404: "Page not found",
    405: "This page cannot do that",
    413: "The file is too large",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}

_PARTICIPANT_PREFIXES = ("/p/", "/diary")
_RESEARCHER_PREFIXES = ("/studies", "/admin", "/login", "/logout")

PERSONAL_LINK = (
    "Open the personal study link you were given (in the e-mail or on the paper from the study "
    "team). If it no longer works, ask the study team for a new one."
)


@dataclass(frozen=True)
class ErrorPage:
    """The words and links of one error page.

    Attributes
    ----------
    title
        The heading: what happened, in a few words.
    advice
        What to do now, in one or two sentences.
    links
        ``(href, text)`` pairs: where to go next (may be empty).
    """

    title: str
    advice: str
    links: tuple[tuple[str, str], ...]


def audience_of(path: str) -> Audience:
    """Whose page ``path`` is: a participant's, a researcher's, or unknown (``anyone``)."""
    if path == "/p" or path.startswith(_PARTICIPANT_PREFIXES):
        return "participant"
    if path.startswith(_RESEARCHER_PREFIXES):
        return "researcher"
    return "anyone"


def error_page(path: str, status: int) -> ErrorPage:
    """The error page for an answer with ``status`` to a request for ``path``."""
    title = TITLES.get(status, "Something went wrong")
    who = audience_of(path)
    if status >= 500:
        advice = "The error has been logged. Please try again in a few minutes; if it keeps "
        advice += "happening, tell the study team."
    elif status == 429:
        advice = "Please wait the time shown above, then try again."
    else:
        advice = ""
    if who == "participant":
        if status in (401, 429) or path.startswith("/p/"):
            # no valid link or cookie: only the personal link helps
            return ErrorPage(title, advice or PERSONAL_LINK, ())
        return ErrorPage(
            title,
            advice or "Your earlier answers are kept. Go back to today's diary and try again.",
            (("/diary", "Back to today's diary"),),
        )
    if who == "researcher":
        if status == 401:
            return ErrorPage(title, advice or "Please log in again.", (("/login", "Log in"),))
        links = (("/login", "Log in"),) if path.startswith("/login") else ()
        return ErrorPage(
            title,
            advice or "Go back to your studies and try again.",
            links or (("/studies", "Back to your studies"),),
        )
    return ErrorPage(
        title,
        advice or "This address does not lead to a page of the diary.",
        (("/diary", "Participants: your diary"), ("/login", "Researchers: log in")),
    )
