"""Reading the links members submit as their work: GitHub and Kaggle, nothing else.

`parse_submission_link` returns a `SubmissionLink` or raises `InvalidSubmissionLink` (a
`UserFacingError`) whose one-line message names the problem and ends with `ACCEPTED`. It raises
nothing else, whatever the text. A link is judged by its shape alone (no network), so an
accepted link may still lead to a 404.

Choices a reader would otherwise have to guess:
- `url` is the canonical https link of the work the key names: sub-pages are dropped
  (`/pull/12/files` → `/pull/12`, a competition's `/leaderboard` → the competition, a model's
  framework/variation segments → the model) and so are every query string and fragment, so a
  `#L10` line anchor on a file is lost: the key names the file, not a line.
- Names keep the case they were written in (`url`, `owner`); `key` folds them to lower case
  because GitHub and Kaggle names are case-insensitive. Git refs, file paths and short commit
  SHAs cannot be resolved offline, so they stay as written (SHAs lower-cased).
- `/blob/` and `/tree/` links to the same path share a key (GitHub redirects one to the other);
  a branch link with no path (`/tree/dev`) counts as the repository itself.
- File paths are percent-decoded and re-encoded (only RFC 3986 unreserved characters stay
  bare), so `résumé.md` and `r%C3%A9sum%C3%A9.md` agree and `url` is plain ASCII that survives
  Markdown. `.` and `..` segments are refused: a browser would resolve them elsewhere.
- A gist id is 20+ hex characters, or all digits for the oldest gists; any other single word
  after gist.github.com is someone's list of gists and is refused.
- Kaggle's canonical host is www.kaggle.com, so Kaggle URLs keep the `www.`.
- Old-style Kaggle links (`kaggle.com/{user}/{slug}`) are refused: that scheme served both
  notebooks and datasets, and a wrong guess would give a key that misses a duplicate.
- Competitions have no owner, so their key is the same for everyone: deduplicate them per member.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn
from urllib.parse import quote, unquote

from bot.core.errors import UserFacingError

MAX_LINK_CHARS = 500

ACCEPTED = (
    "Send a link to a GitHub repository, pull request, commit, file or gist, "
    "or to a Kaggle competition, notebook, dataset or model."
)


class LinkKind(StrEnum):
    GITHUB = "github"
    KAGGLE = "kaggle"


class LinkType(StrEnum):
    REPOSITORY = "repository"
    PULL_REQUEST = "pull_request"
    COMMIT = "commit"
    FILE = "file"
    GIST = "gist"
    COMPETITION = "competition"
    NOTEBOOK = "notebook"
    DATASET = "dataset"
    MODEL = "model"


@dataclass(frozen=True)
class SubmissionLink:
    kind: LinkKind
    type: LinkType
    owner: str | None  # GitHub owner or Kaggle user as written; None for competitions, bare gists
    key: str  # identity for spotting the same work twice, e.g. "github:pull_request:owner/repo#12"
    url: str  # canonical https URL to show


class InvalidSubmissionLink(UserFacingError):
    """Not a link we take as a submission; `user_message` is one line ending with ACCEPTED."""


def _refuse(problem: str) -> NoReturn:
    raise InvalidSubmissionLink(f"{problem} {ACCEPTED}")


# Nothing below echoes the member's text back: it may hold mentions or Markdown.
_EMPTY = "Paste the link to your work."
_TOO_LONG = f"That's too long for a link (over {MAX_LINK_CHARS} characters)."
_HIDDEN = "That link has spaces or hidden characters in it; paste just the link."
_SCHEME = "Only web links (https://…) work here."
_MALFORMED = "That doesn't look like a web link."
_DOT_SEGMENT = "That link has `.` or `..` in its path; send the link from your address bar."
_CREDENTIALS = "Links with a username or password in them aren't accepted."
_PORT = "Links with a port number aren't accepted."
_IP = "Links to an IP address aren't accepted."
_LOOKALIKE = "That address only looks like github.com or kaggle.com."
_NON_LATIN_HOST = "That address has non-Latin or look-alike letters in it, which real GitHub and Kaggle links don't."
_SIDE_SITE = "That's another GitHub or Kaggle site; send the link from github.com, gist.github.com or kaggle.com."
_OTHER_HOST = "That link isn't on GitHub or Kaggle."
_GITHUB_PAGE = "That's a GitHub page, not a piece of work."
_GITHUB_PROFILE = "That's a GitHub profile; to link your account, use `/profile link github:` instead."
_REPO_PAGE = "That's a page of a repository (like its issues or settings), not a piece of work."
_GITHUB_UNREADABLE = "I can't read that GitHub link."
_NO_FILE = "That link names a branch or commit but no file."
_GIST_LIST = "That's a list of gists; open one and send its link."
_KAGGLE_PAGE = "That's a Kaggle page, not a piece of work."
_KAGGLE_PROFILE = "That's a Kaggle profile; to link your account, use `/profile link kaggle:` instead."
_KAGGLE_LIST = "That's a list on Kaggle; open the one you mean and send its link."
_KAGGLE_LEGACY = (
    "That's an old-style Kaggle link that could be a notebook or a dataset; "
    "open it and send the link from your address bar."
)
_KAGGLE_UNREADABLE = "I can't read that Kaggle link."

_GITHUB_HOSTS = frozenset({"github.com", "www.github.com"})
_GIST_HOST = "gist.github.com"
_KAGGLE_HOSTS = frozenset({"kaggle.com", "www.kaggle.com"})
# Real, but not where submissions live: raw.githubusercontent.com serves anyone's files as-is.
_SIDE_SITES = ("github.com", "githubusercontent.com", "github.io", "kaggle.com", "kaggleusercontent.com", "kaggle.io")

# Top-level GitHub paths that are site pages, never users (GitHub reserves these names).
_GITHUB_RESERVED = frozenset(
    """about account apps blog business codespaces collections contact copilot customer-stories
    dashboard discussions education enterprise events explore features github-copilot home issues
    join login logout marketplace mobile models new nonprofit notifications open-source orgs
    organizations password_reset personal pricing pulls readme repositories resources search
    security sessions settings signup site sitemap solutions sponsors stars team topics trending
    users watching why-github""".split()  # noqa: SIM905 - a word list reads better than 55 quoted strings
)
# Top-level Kaggle paths that are site sections, never users.
_KAGGLE_RESERVED = frozenset(
    """about account api benchmarks c code community competitions contact datasets discussions
    docs host kernels learn me models notebooks organizations privacy progression rankings search
    settings static terms work""".split()  # noqa: SIM905
)
_KAGGLE_TYPES = {"code": LinkType.NOTEBOOK, "datasets": LinkType.DATASET, "models": LinkType.MODEL}

_DEFAULT_PORTS: dict[str | None, frozenset[int]] = {
    "http": frozenset({80}),
    "https": frozenset({443}),
    None: frozenset({80, 443}),  # no scheme written: either default is harmless, we send https
}
_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_PORT_DIGITS = re.compile(r"[0-9]{1,5}")
_HOST_CHARS = re.compile(r"[a-z0-9.-]+")
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")  # browsers read such a last label as IPv4
_GITHUB_OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,38}")
_GITHUB_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
_PR_NUMBER = re.compile(r"[0-9]{1,10}")
_COMMIT_SHA = re.compile(r"[0-9a-fA-F]{7,64}")
_GIST_ID = re.compile(r"[0-9a-fA-F]{20,64}|[0-9]{1,12}")  # modern hex ids; old gists were numbered
_KAGGLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def parse_submission_link(text: str) -> SubmissionLink:
    """Recognise and normalise a GitHub or Kaggle link; raise InvalidSubmissionLink otherwise.

    Surrounding whitespace and Discord's no-embed `<...>` wrapping are fine, and so is a
    missing scheme; `http://` is upgraded to https.
    """
    link = text.strip()
    if link.startswith("<") and link.endswith(">"):
        link = link[1:-1].strip()
    if not link:
        _refuse(_EMPTY)
    if len(link) > MAX_LINK_CHARS:
        _refuse(_TOO_LONG)
    if any(_is_hidden(char) for char in link):
        _refuse(_HIDDEN)
    if "\\" in link:  # browsers read "\" as "/", so it can move the real host
        _refuse(_MALFORMED)

    scheme, rest = _split_scheme(link)
    end = _first_index(rest, "/?#")
    authority, path = rest[:end], rest[end:]
    path = path[: _first_index(path, "?#")]  # query strings and fragments never identify the work
    host = _host(authority, scheme)
    segments = [_decode(segment) for segment in path.split("/") if segment]

    if host in _GITHUB_HOSTS:
        return _github(segments)
    if host == _GIST_HOST:
        return _gist(segments)
    if host in _KAGGLE_HOSTS:
        return _kaggle(segments)
    _refuse_host(host)


def github_owner_matches(link: SubmissionLink, username: str) -> bool:
    """Whether a GitHub link belongs to `username` (case-insensitive; a leading @ is fine)."""
    return link.kind is LinkKind.GITHUB and _same_name(link.owner, username)


def kaggle_owner_matches(link: SubmissionLink, username: str) -> bool:
    """Whether a Kaggle link belongs to `username`; competitions belong to no one."""
    return link.kind is LinkKind.KAGGLE and _same_name(link.owner, username)


def _same_name(owner: str | None, username: str) -> bool:
    name = username.strip().removeprefix("@")
    # ASCII only: str.lower() maps the Kelvin sign "K" to "k", which must not match.
    return owner is not None and name.isascii() and owner.lower() == name.lower()


# --- the URL's outer parts -----------------------------------------------------------------


def _is_hidden(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "CZ"  # controls, format, separators


def _first_index(text: str, stops: str) -> int:
    return min((i for i in (text.find(stop) for stop in stops) if i >= 0), default=len(text))


def _split_scheme(link: str) -> tuple[str | None, str]:
    """Return (lower-case scheme or None, the rest after "//")."""
    match = _URL_SCHEME.match(link)
    after = link[match.end() :] if match else ""
    # "github.com:443/a/b" is a host and port, not a scheme; "javascript:alert(1)" is a scheme.
    if match and (after.startswith("//") or "." not in match[1]):
        scheme = match[1].lower()
        if scheme not in ("http", "https"):
            _refuse(_SCHEME)
        if not after.startswith("//"):
            _refuse(_MALFORMED)
        return scheme, after[2:]
    return None, link.removeprefix("//")


def _host(authority: str, scheme: str | None) -> str:
    """The lower-case host, after refusing credentials, odd ports and IP addresses."""
    if "@" in authority:
        _refuse(_CREDENTIALS)
    if authority.startswith("["):
        _refuse(_IP)  # a bracketed IPv6 literal
    host, port = authority, None
    if ":" in authority:
        host, _, port = authority.rpartition(":")
        if ":" in host:
            _refuse(_IP)  # an unbracketed IPv6 literal
        if not _PORT_DIGITS.fullmatch(port):
            _refuse(_MALFORMED)
    if not host:
        _refuse(_MALFORMED)
    if not host.isascii():
        _refuse(_NON_LATIN_HOST)  # an IDN homoglyph such as a Cyrillic "і" in "gіthub.com"
    host = host.lower().removesuffix(".")  # "github.com." is the same fully qualified name
    if _NUMERIC_LABEL.fullmatch(host.rpartition(".")[2]):
        _refuse(_IP)
    if port is not None and int(port) not in _DEFAULT_PORTS[scheme]:
        _refuse(_PORT)
    if not _HOST_CHARS.fullmatch(host):
        _refuse_host(host)
    return host


def _refuse_host(host: str) -> NoReturn:
    if any(host.endswith("." + site) or host == site for site in _SIDE_SITES):
        _refuse(_SIDE_SITE)
    if "github" in host or "kaggle" in host or "xn--" in host:  # xn--: punycode, often a homoglyph
        _refuse(_LOOKALIKE)
    _refuse(_OTHER_HOST)


def _decode(segment: str) -> str:
    try:
        decoded = unquote(segment, errors="strict")
    except UnicodeDecodeError:
        _refuse(_MALFORMED)
    if decoded in (".", ".."):
        _refuse(_DOT_SEGMENT)
    if any(char != " " and _is_hidden(char) for char in decoded):  # "%20" is fine in a file name
        _refuse(_HIDDEN)
    return decoded


def _encode(segments: list[str]) -> str:
    return "/".join(quote(segment, safe="") for segment in segments)


# --- GitHub --------------------------------------------------------------------------------


def _github(segments: list[str]) -> SubmissionLink:
    if not segments or segments[0].lower() in _GITHUB_RESERVED:
        _refuse(_GITHUB_PAGE)
    owner = segments[0]
    if not _GITHUB_OWNER.fullmatch(owner):
        _refuse(_GITHUB_UNREADABLE)
    if len(segments) == 1:
        _refuse(_GITHUB_PROFILE)
    repo = _strip_git(segments[1])
    if not _GITHUB_REPO.fullmatch(repo) or repo in (".", ".."):
        _refuse(_GITHUB_UNREADABLE)
    name = f"{owner.lower()}/{repo.lower()}"
    base = f"https://github.com/{owner}/{repo}"
    page, rest = (segments[2], segments[3:]) if len(segments) > 2 else (None, [])

    def made(type_: LinkType, key: str, url: str) -> SubmissionLink:
        return SubmissionLink(LinkKind.GITHUB, type_, owner, f"github:{type_}:{key}", url)

    if page is None or (page == "tree" and len(rest) == 1):
        return made(LinkType.REPOSITORY, name, base)
    if page == "pull" and rest and _PR_NUMBER.fullmatch(rest[0]) and int(rest[0]) > 0:
        number = int(rest[0])  # later segments (/files, /commits) are tabs of the same PR
        return made(LinkType.PULL_REQUEST, f"{name}#{number}", f"{base}/pull/{number}")
    if page == "commit" and len(rest) == 1 and _COMMIT_SHA.fullmatch(rest[0]):
        sha = rest[0].lower()
        return made(LinkType.COMMIT, f"{name}@{sha}", f"{base}/commit/{sha}")
    if page in ("blob", "tree"):
        if len(rest) < 2:
            _refuse(_NO_FILE)
        # A ref may itself contain "/", so ref and path stay together, as written.
        where = _encode(rest)
        return made(LinkType.FILE, f"{name}@{where}", f"{base}/{page}/{where}")
    if page in ("pull", "commit"):
        _refuse(_GITHUB_UNREADABLE)
    _refuse(_REPO_PAGE)


def _gist(segments: list[str]) -> SubmissionLink:
    if len(segments) == 1:
        user, gist_id = None, _strip_git(segments[0])
    elif len(segments) >= 2 and _GITHUB_OWNER.fullmatch(segments[0]):
        user, gist_id = segments[0], _strip_git(segments[1])  # later segments: revisions, raw files
    else:
        _refuse(_GIST_LIST)
    if not _GIST_ID.fullmatch(gist_id):
        _refuse(_GIST_LIST)
    gist_id = gist_id.lower()
    path = f"{user}/{gist_id}" if user else gist_id
    return SubmissionLink(
        LinkKind.GITHUB, LinkType.GIST, user, f"github:gist:{gist_id}", f"https://{_GIST_HOST}/{path}"
    )


def _strip_git(name: str) -> str:
    # GitHub refuses repository names ending in ".git", so stripping every one is safe and
    # keeps normalisation idempotent ("a.git.git" would otherwise become "a.git", then "a").
    while name.lower().endswith(".git"):
        name = name[:-4]
    return name


# --- Kaggle --------------------------------------------------------------------------------


def _kaggle(segments: list[str]) -> SubmissionLink:
    if not segments:
        _refuse(_KAGGLE_PAGE)
    section = segments[0].lower()  # Kaggle's routes ignore case; GitHub's do not
    if section in ("competitions", "c"):
        # Any tab of a competition (/overview, /leaderboard, /submissions ...) is the competition.
        if len(segments) < 2:
            _refuse(_KAGGLE_LIST)
        slug = _kaggle_name(segments[1])
        return SubmissionLink(
            LinkKind.KAGGLE,
            LinkType.COMPETITION,
            None,
            f"kaggle:competition:{slug.lower()}",
            f"https://www.kaggle.com/competitions/{slug}",
        )
    if section in _KAGGLE_TYPES:
        # Later segments are tabs, versions, or a model's framework and variation.
        if len(segments) < 3:
            _refuse(_KAGGLE_LIST)
        type_ = _KAGGLE_TYPES[section]
        user, slug = _kaggle_name(segments[1]), _kaggle_name(segments[2])
        key = f"kaggle:{type_}:{user.lower()}/{slug.lower()}"
        return SubmissionLink(LinkKind.KAGGLE, type_, user, key, f"https://www.kaggle.com/{section}/{user}/{slug}")
    if section in _KAGGLE_RESERVED or not _KAGGLE_NAME.fullmatch(section):
        _refuse(_KAGGLE_PAGE)
    _refuse(_KAGGLE_PROFILE if len(segments) == 1 else _KAGGLE_LEGACY)


def _kaggle_name(segment: str) -> str:
    if not _KAGGLE_NAME.fullmatch(segment):
        _refuse(_KAGGLE_UNREADABLE)
    return segment
