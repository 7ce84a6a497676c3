from urllib.parse import quote, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.errors import UserFacingError
from bot.core.links import (
    ACCEPTED,
    MAX_LINK_CHARS,
    InvalidSubmissionLink,
    LinkKind,
    LinkType,
    SubmissionLink,
    github_owner_matches,
    kaggle_owner_matches,
    parse_submission_link,
)

GH, KG = LinkKind.GITHUB, LinkKind.KAGGLE
SHA = "4f1c2a9e0b7d3c5e8a6f1b2c3d4e5f6a7b8c9d0e"
GIST = "aa5a315d61ae9438b18d"

# --- what we accept ------------------------------------------------------------------------

# (text, kind, type, owner, key, url)
ACCEPT = [
    # GitHub repositories
    ("https://github.com/octocat/hello-world", GH, LinkType.REPOSITORY, "octocat",
     "github:repository:octocat/hello-world", "https://github.com/octocat/hello-world"),
    ("github.com/Octocat/Hello-World", GH, LinkType.REPOSITORY, "Octocat",
     "github:repository:octocat/hello-world", "https://github.com/Octocat/Hello-World"),
    ("http://www.github.com/a/b.git/", GH, LinkType.REPOSITORY, "a", "github:repository:a/b", "https://github.com/a/b"),
    ("https://github.com/a/b/tree/dev", GH, LinkType.REPOSITORY, "a", "github:repository:a/b", "https://github.com/a/b"),
    ("https://github.com/a/my.repo_v2", GH, LinkType.REPOSITORY, "a",
     "github:repository:a/my.repo_v2", "https://github.com/a/my.repo_v2"),
    # pull requests, with their tabs
    ("https://github.com/a/b/pull/12", GH, LinkType.PULL_REQUEST, "a", "github:pull_request:a/b#12",
     "https://github.com/a/b/pull/12"),
    ("github.com/a/b/pull/012/files#diff-1", GH, LinkType.PULL_REQUEST, "a", "github:pull_request:a/b#12",
     "https://github.com/a/b/pull/12"),
    (f"github.com/a/b/pull/7/commits/{SHA}", GH, LinkType.PULL_REQUEST, "a", "github:pull_request:a/b#7",
     "https://github.com/a/b/pull/7"),
    # commits
    (f"https://github.com/a/b/commit/{SHA}", GH, LinkType.COMMIT, "a", f"github:commit:a/b@{SHA}",
     f"https://github.com/a/b/commit/{SHA}"),
    ("github.com/a/b/commit/ABCDEF1", GH, LinkType.COMMIT, "a", "github:commit:a/b@abcdef1",
     "https://github.com/a/b/commit/abcdef1"),
    # files and notebooks
    ("https://github.com/a/b/blob/main/nb/train.ipynb", GH, LinkType.FILE, "a",
     "github:file:a/b@main/nb/train.ipynb", "https://github.com/a/b/blob/main/nb/train.ipynb"),
    ("https://github.com/a/b/blob/main/src/x.py?plain=1#L10-L20", GH, LinkType.FILE, "a",
     "github:file:a/b@main/src/x.py", "https://github.com/a/b/blob/main/src/x.py"),
    ("https://github.com/a/b/tree/main/src", GH, LinkType.FILE, "a", "github:file:a/b@main/src",
     "https://github.com/a/b/tree/main/src"),
    ("github.com/a/b/blob/main/My%20Notes.md", GH, LinkType.FILE, "a", "github:file:a/b@main/My%20Notes.md",
     "https://github.com/a/b/blob/main/My%20Notes.md"),
    ("github.com/a/b/blob/main/r%C3%A9sum%C3%A9.md", GH, LinkType.FILE, "a",
     "github:file:a/b@main/r%C3%A9sum%C3%A9.md", "https://github.com/a/b/blob/main/r%C3%A9sum%C3%A9.md"),
    # gists
    (f"https://gist.github.com/octocat/{GIST}", GH, LinkType.GIST, "octocat", f"github:gist:{GIST}",
     f"https://gist.github.com/octocat/{GIST}"),
    (f"gist.github.com/{GIST.upper()}", GH, LinkType.GIST, None, f"github:gist:{GIST}",
     f"https://gist.github.com/{GIST}"),
    ("https://gist.github.com/1234567", GH, LinkType.GIST, None, "github:gist:1234567",
     "https://gist.github.com/1234567"),
    # Kaggle competitions, any tab, legacy /c/
    ("https://www.kaggle.com/competitions/titanic", KG, LinkType.COMPETITION, None, "kaggle:competition:titanic",
     "https://www.kaggle.com/competitions/titanic"),
    ("kaggle.com/competitions/titanic/submissions", KG, LinkType.COMPETITION, None,
     "kaggle:competition:titanic", "https://www.kaggle.com/competitions/titanic"),
    ("https://www.kaggle.com/competitions/titanic/leaderboard", KG, LinkType.COMPETITION, None,
     "kaggle:competition:titanic", "https://www.kaggle.com/competitions/titanic"),
    ("https://www.kaggle.com/competitions/titanic/overview/evaluation", KG, LinkType.COMPETITION, None,
     "kaggle:competition:titanic", "https://www.kaggle.com/competitions/titanic"),
    ("https://www.kaggle.com/c/house-prices-advanced-regression-techniques", KG, LinkType.COMPETITION, None,
     "kaggle:competition:house-prices-advanced-regression-techniques",
     "https://www.kaggle.com/competitions/house-prices-advanced-regression-techniques"),
    # notebooks, datasets, models
    ("https://www.kaggle.com/code/alexisbcook/titanic-tutorial", KG, LinkType.NOTEBOOK, "alexisbcook",
     "kaggle:notebook:alexisbcook/titanic-tutorial", "https://www.kaggle.com/code/alexisbcook/titanic-tutorial"),
    ("kaggle.com/code/alexisbcook/titanic-tutorial/notebook?scriptVersionId=1", KG, LinkType.NOTEBOOK,
     "alexisbcook", "kaggle:notebook:alexisbcook/titanic-tutorial",
     "https://www.kaggle.com/code/alexisbcook/titanic-tutorial"),
    ("https://www.kaggle.com/datasets/zynicide/wine-reviews", KG, LinkType.DATASET, "zynicide",
     "kaggle:dataset:zynicide/wine-reviews", "https://www.kaggle.com/datasets/zynicide/wine-reviews"),
    ("https://www.kaggle.com/datasets/zynicide/wine-reviews/versions/4", KG, LinkType.DATASET, "zynicide",
     "kaggle:dataset:zynicide/wine-reviews", "https://www.kaggle.com/datasets/zynicide/wine-reviews"),
    ("https://www.kaggle.com/models/google/gemma", KG, LinkType.MODEL, "google", "kaggle:model:google/gemma",
     "https://www.kaggle.com/models/google/gemma"),
    ("https://www.kaggle.com/models/google/gemma/pyTorch/2b/1", KG, LinkType.MODEL, "google",
     "kaggle:model:google/gemma", "https://www.kaggle.com/models/google/gemma"),
    ("https://www.kaggle.com/models/metaresearch/llama-3.1/transformers/8b", KG, LinkType.MODEL, "metaresearch",
     "kaggle:model:metaresearch/llama-3.1", "https://www.kaggle.com/models/metaresearch/llama-3.1"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "kind", "type_", "owner", "key", "url"), ACCEPT)
def test_accepts(text: str, kind: LinkKind, type_: LinkType, owner: str | None, key: str, url: str) -> None:
    assert parse_submission_link(text) == SubmissionLink(kind, type_, owner, key, url)


# Every group is one piece of work written in different ways.
SAME_WORK = [
    [
        "https://github.com/octocat/hello-world",
        "http://github.com/octocat/hello-world",
        "HTTPS://GITHUB.COM/octocat/hello-world",
        "https://www.github.com/octocat/hello-world",
        "github.com/octocat/hello-world",
        "www.github.com/octocat/hello-world",
        "//github.com/octocat/hello-world",
        "github.com./octocat/hello-world",
        "https://github.com:443/octocat/hello-world",
        "http://github.com:80/octocat/hello-world",
        "https://github.com/OctoCat/Hello-World",
        "https://github.com/octocat/hello-world/",
        "https://github.com/octocat/hello-world///",
        "https://github.com/octocat/hello-world.git",
        "https://github.com/octocat/hello-world.GIT/",
        "https://github.com/octocat/hello-world?tab=readme-ov-file#readme",
        "https://github.com/octocat/hello-world/tree/main",
        "https://github.com/%6Fctocat/hello-world",
        "<https://github.com/octocat/hello-world>",
        "  \t<https://github.com/octocat/hello-world>\n ",
    ],
    [
        "https://github.com/a/b/pull/12",
        "github.com/A/B/pull/12/",
        "https://github.com/a/b/pull/12/files",
        "https://github.com/a/b/pull/12/checks?x=1",
        "https://github.com/a/b/pull/0012#issuecomment-1",
    ],
    [
        "https://github.com/a/b/blob/main/nb/My%20Notes.ipynb",
        "https://github.com/a/b/blob/main/nb/My%20Notes.ipynb#L10",
        "https://github.com/a/b/tree/main/nb/My%20Notes.ipynb",
        "https://github.com/A/B/blob/main/nb//My%20Notes.ipynb?plain=1",
    ],
    [f"https://gist.github.com/octocat/{GIST}", f"https://gist.github.com/{GIST}", f"gist.github.com/{GIST}.git"],
    [
        "https://www.kaggle.com/competitions/titanic",
        "https://kaggle.com/competitions/titanic/",
        "https://www.kaggle.com/competitions/titanic/overview",
        "https://www.kaggle.com/competitions/titanic/leaderboard",
        "https://www.kaggle.com/competitions/titanic/submissions",
        "https://www.kaggle.com/c/titanic",
        "https://www.kaggle.com/c/Titanic/data",
        "https://WWW.KAGGLE.COM/Competitions/titanic",
    ],
    [
        "https://www.kaggle.com/models/google/gemma",
        "https://www.kaggle.com/models/google/gemma/keras",
        "https://www.kaggle.com/models/Google/Gemma/pyTorch/2b/1",
    ],
]


@pytest.mark.parametrize("variants", SAME_WORK, ids=lambda variants: variants[0])
def test_ways_of_writing_the_same_work_share_a_key(variants: list[str]) -> None:
    keys = {parse_submission_link(text).key for text in variants}
    assert len(keys) == 1, keys


def test_different_work_gets_different_keys() -> None:
    texts = [
        "github.com/a/b",
        "github.com/a/c",
        "github.com/a/b/pull/1",
        "github.com/a/b/pull/2",
        f"github.com/a/b/commit/{SHA}",
        "github.com/a/b/blob/main/x.py",
        "github.com/a/b/blob/main/X.py",  # file paths are case-sensitive
        "github.com/a/b/blob/dev/x.py",
        f"gist.github.com/{GIST}",
        "kaggle.com/competitions/titanic",
        "kaggle.com/code/u/titanic",
        "kaggle.com/datasets/u/titanic",
        "kaggle.com/models/u/titanic",
    ]
    assert len({parse_submission_link(text).key for text in texts}) == len(texts)


# --- what we refuse ------------------------------------------------------------------------

# (text, a phrase the problem part of the message must contain)
REFUSE = [
    # nothing, too much, hidden characters
    ("", "Paste the link"),
    ("   ", "Paste the link"),
    ("<>", "Paste the link"),
    ("https://github.com/a/" + "b" * MAX_LINK_CHARS, "too long"),
    ("https://github.com/a/b c", "spaces or hidden characters"),
    ("https://github.com/a/b\x00", "spaces or hidden characters"),
    ("https://github.com/a\n/b", "spaces or hidden characters"),
    ("https://github.com/a/b\u200b", "spaces or hidden characters"),  # zero-width space
    ("https://github.com/a/\u202eb", "spaces or hidden characters"),  # right-to-left override
    ("https://github.com/a/b/blob/main/%0A.py", "spaces or hidden characters"),  # encoded newline
    # schemes
    ("javascript:alert(document.cookie)", "Only web links"),
    ("JavaScript://github.com/%0Aalert(1)", "Only web links"),
    ("data:text/html;base64,PHNjcmlwdD4=", "Only web links"),
    ("file:///etc/passwd", "Only web links"),
    ("ftp://github.com/a/b", "Only web links"),
    ("ssh://git@github.com/a/b.git", "Only web links"),
    ("mailto:octocat@github.com", "Only web links"),
    ("localhost:8080/a/b", "Only web links"),
    ("https:github.com/a/b", "doesn't look like a web link"),
    ("https:/github.com/a/b", "doesn't look like a web link"),
    ("https:///github.com/a/b", "doesn't look like a web link"),
    ("https://evil.io\\@github.com/a/b", "doesn't look like a web link"),
    # credentials, ports, IP addresses
    ("https://user:pass@github.com/a/b", "username or password"),
    ("https://user@github.com/a/b", "username or password"),
    ("https://github.com@evil.io/a/b", "username or password"),
    ("https://github.com:8443/a/b", "port"),
    ("http://github.com:443/a/b", "port"),
    ("https://github.com:80/a/b", "port"),
    ("https://github.com:x/a/b", "doesn't look like a web link"),
    ("https://140.82.112.3/a/b", "IP address"),
    ("http://2130706433/a/b", "IP address"),
    ("http://0x7f.0.0.1/a/b", "IP address"),
    ("https://[::1]/a/b", "IP address"),
    ("https://[2606:50c0:8000::153]:443/a/b", "IP address"),
    # other hosts and look-alikes
    ("https://gitlab.com/a/b", "isn't on GitHub or Kaggle"),
    ("https://example.com", "isn't on GitHub or Kaggle"),
    ("https://colab.research.google.com/drive/abc", "isn't on GitHub or Kaggle"),
    ("https://github.com.evil.io/a/b", "only looks like"),
    ("https://evil-github.com/a/b", "only looks like"),
    ("https://githubusercontent.com/a/b", "another GitHub or Kaggle site"),
    ("https://raw.githubusercontent.com/a/b/main/x.py", "another GitHub or Kaggle site"),
    ("https://octocat.github.io/b", "another GitHub or Kaggle site"),
    ("https://api.github.com/repos/a/b", "another GitHub or Kaggle site"),
    ("https://www.gist.github.com/a/" + GIST, "another GitHub or Kaggle site"),
    ("https://kaggle.com.evil.io/code/a/b", "only looks like"),
    ("https://githubusercontent.com.evil.io/a/b", "only looks like"),
    ("https://github_com.io/a/b", "only looks like"),
    ("https://storage.kaggleusercontent.com/x", "another GitHub or Kaggle site"),
    ("https://例え.jp/a/b", "look-alike letters"),
    ("https://gіthub.com/a/b", "look-alike letters"),  # Cyrillic і
    ("https://ｇｉｔｈｕｂ.com/a/b", "look-alike letters"),  # full-width letters
    ("https://GİTHUB.com/a/b", "look-alike letters"),  # Turkish dotted capital I
    ("https://xn--gthub-n4a.com/a/b", "only looks like"),  # punycode of the Cyrillic one
    ("https://git%68ub.com/a/b", "isn't on GitHub or Kaggle"),
    # GitHub pages that are not work
    ("https://github.com", "GitHub page"),
    ("https://github.com/?tab=x", "GitHub page"),
    ("https://github.com/features", "GitHub page"),
    ("https://github.com/features/copilot", "GitHub page"),
    ("https://github.com/login", "GitHub page"),
    ("https://github.com/login?return_to=%2Fa%2Fb", "GitHub page"),
    ("https://github.com/settings/profile", "GitHub page"),
    ("https://github.com/orgs/acme/repositories", "GitHub page"),
    ("https://github.com/pulls", "GitHub page"),
    ("https://github.com/octocat", "/profile link github:"),
    ("https://github.com/Octocat/?tab=repositories", "/profile link github:"),
    ("https://github.com/a/b/pulls", "page of a repository"),
    ("https://github.com/a/b/issues", "page of a repository"),
    ("https://github.com/a/b/issues/5", "page of a repository"),
    ("https://github.com/a/b/settings", "page of a repository"),
    ("https://github.com/a/b/actions", "page of a repository"),
    ("https://github.com/a/b/commits/main", "page of a repository"),
    ("https://github.com/a/b/pull", "can't read that GitHub link"),
    ("https://github.com/a/b/pull/0", "can't read that GitHub link"),
    ("https://github.com/a/b/pull/abc", "can't read that GitHub link"),
    ("https://github.com/a/b/pull/１２", "can't read that GitHub link"),  # full-width digits
    ("https://github.com/a/b/commit/main", "can't read that GitHub link"),
    ("https://github.com/a/b/commit/abc12", "can't read that GitHub link"),  # too short to name a commit
    ("https://github.com/a/b/blob/main", "no file"),
    ("https://github.com/a/.git", "can't read that GitHub link"),
    ("https://github.com/-a/b", "can't read that GitHub link"),
    ("https://github.com/a/b/blob/main/../../../features", "`..`"),
    ("https://github.com/a/b/blob/main/%2e%2E/x", "`..`"),
    ("https://github.com/a/b/blob/main/%ff.py", "doesn't look like a web link"),
    ("https://gist.github.com/", "list of gists"),
    ("https://gist.github.com/octocat", "list of gists"),
    ("https://gist.github.com/discover", "list of gists"),
    ("https://gist.github.com/octocat/not-an-id", "list of gists"),
    # Kaggle pages that are not work
    ("https://www.kaggle.com", "Kaggle page"),
    ("https://www.kaggle.com/learn", "Kaggle page"),
    ("https://www.kaggle.com/discussions/general/123", "Kaggle page"),
    ("https://www.kaggle.com/competitions", "list on Kaggle"),
    ("https://www.kaggle.com/code", "list on Kaggle"),
    ("https://www.kaggle.com/code/alexisbcook", "list on Kaggle"),
    ("https://www.kaggle.com/datasets?search=wine", "list on Kaggle"),
    ("https://www.kaggle.com/models/google", "list on Kaggle"),
    ("https://www.kaggle.com/alexisbcook", "/profile link kaggle:"),
    ("https://www.kaggle.com/alexisbcook/titanic-tutorial", "old-style Kaggle link"),
    ("https://www.kaggle.com/zynicide/wine-reviews/data", "old-style Kaggle link"),
    ("https://www.kaggle.com/code/-a/b", "can't read that Kaggle link"),
    ("https://www.kaggle.com/competitions/_x", "can't read that Kaggle link"),
]


@pytest.mark.parametrize(("text", "problem"), REFUSE)
def test_refuses_with_a_message_that_says_what_is_accepted(text: str, problem: str) -> None:
    with pytest.raises(InvalidSubmissionLink) as refused:
        parse_submission_link(text)
    message = refused.value.user_message
    assert problem in message
    assert message.endswith(ACCEPTED)
    assert "\n" not in message


def test_refusals_are_user_facing_errors_for_the_tree_handler() -> None:
    with pytest.raises(UserFacingError):
        parse_submission_link("https://example.com")


def test_refusals_never_echo_the_input() -> None:
    with pytest.raises(InvalidSubmissionLink) as refused:
        parse_submission_link("https://github.com/a/b/@everyone")
    assert "@everyone" not in refused.value.user_message


def test_exactly_the_length_limit_is_fine() -> None:
    base = "https://github.com/a/b/blob/main/"
    assert parse_submission_link(base + "x" * (MAX_LINK_CHARS - len(base))).type is LinkType.FILE


# --- owner matching ------------------------------------------------------------------------

REPO = parse_submission_link("github.com/OctoCat/hello")
GIST_BY_USER = parse_submission_link(f"gist.github.com/octocat/{GIST}")
BARE_GIST = parse_submission_link(f"gist.github.com/{GIST}")
NOTEBOOK = parse_submission_link("kaggle.com/code/AlexisBCook/titanic")
COMPETITION = parse_submission_link("kaggle.com/competitions/titanic")


@pytest.mark.parametrize(
    ("link", "username", "github", "kaggle"),
    [
        (REPO, "octocat", True, False),
        (REPO, "OCTOCAT", True, False),
        (REPO, " @OctoCat ", True, False),
        (REPO, "octocat2", False, False),
        (REPO, "", False, False),
        (REPO, "octoca\u212a", False, False),  # Kelvin sign: lower() would make it "k"
        (GIST_BY_USER, "Octocat", True, False),
        (BARE_GIST, "octocat", False, False),
        (NOTEBOOK, "alexisbcook", False, True),
        (NOTEBOOK, "AlexisBCook", False, True),
        (NOTEBOOK, "someone", False, False),
        (COMPETITION, "titanic", False, False),
    ],
)
def test_owner_matching(link: SubmissionLink, username: str, github: bool, kaggle: bool) -> None:
    assert github_owner_matches(link, username) is github
    assert kaggle_owner_matches(link, username) is kaggle


def test_a_name_on_the_other_site_does_not_match() -> None:
    assert not kaggle_owner_matches(parse_submission_link("github.com/alexisbcook/x"), "alexisbcook")
    assert not github_owner_matches(parse_submission_link("kaggle.com/code/octocat/x"), "octocat")


# --- properties ----------------------------------------------------------------------------

ALLOWED_HOSTS = {"github.com", "gist.github.com", "www.kaggle.com"}


def _check_refusal_or_canonical(text: str) -> None:
    try:
        link = parse_submission_link(text)
    except InvalidSubmissionLink as refused:
        assert refused.user_message.endswith(ACCEPTED)
        assert "\n" not in refused.user_message
        return
    parts = urlsplit(link.url)
    assert parts.scheme == "https"
    assert parts.hostname in ALLOWED_HOSTS
    assert parts.netloc == parts.hostname  # no credentials, no port
    assert not parts.query and not parts.fragment
    assert link.url.isascii()
    assert link.key.startswith(f"{link.kind}:{link.type}:")
    assert (link.kind is LinkKind.GITHUB) == (parts.hostname != "www.kaggle.com")
    assert (link.owner is None) == (link.type is LinkType.COMPETITION or link.url.count("/") == 3)
    # Normalising is idempotent: the shown URL reads back as exactly the same link.
    assert parse_submission_link(link.url) == link
    assert parse_submission_link(f" <{link.url}> ") == link


@given(st.text(max_size=MAX_LINK_CHARS + 20))
@example("github.com/a/b")
@example("javascript:alert(1)//github.com/a/b")
@example("https://[")
@example("https://github.com:99999999/a/b")
@example("%")
def test_any_text_is_either_refused_politely_or_canonical(text: str) -> None:
    _check_refusal_or_canonical(text)


_PREFIXES = ["", "https://", "http://", "HTTPS://", "//", "ftp://", "javascript:", "https:/", "https://u:p@", "<"]
_HOSTS = [
    "github.com", "GitHub.com", "www.github.com", "github.com.", "github.com:443", "github.com:80",
    "github.com:8080", "gist.github.com", "kaggle.com", "www.kaggle.com", "WWW.KAGGLE.COM",
    "kaggle.com:443", "githubusercontent.com", "gіthub.com", "github.com.evil.io", "127.0.0.1", "[::1]", "",
]  # fmt: skip
_WORDS = [
    "a", "Octo-Cat", "b.git", "repo.GIT", "-x", "pull", "pulls", "12", "0", "007", "commit", SHA, "ABCDEF1",
    "blob", "tree", "main", "nb.ipynb", "My%20NB.ipynb", "%2F", "%2e", "..", ".", "%ff", "%E2%80%AE",
    "r%C3%A9sum%C3%A9", "résumé", "issues", "settings", "features", "orgs", GIST, "1234567", "competitions",
    "c", "code", "datasets", "models", "titanic", "notebook", "versions", "pyTorch", "llama-3.1", "@everyone",
    "%40", "a:b", "~x", "(x)",
    # whole shapes, so that accepted links of every type turn up often
    "a/b", "pull/12", f"commit/{SHA}", "blob/main", "tree/dev", "competitions/titanic", "code/u",
    "datasets/u", "models/google/gemma",
]  # fmt: skip
_SUFFIXES = ["", "/", "//", "?tab=x", "#L10", "/?x=1#y", ">", "\n"]
_SEGMENT = st.sampled_from(_WORDS) | st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1)


@settings(max_examples=500)  # cheap, and only a few percent of the examples are accepted links
@given(
    st.sampled_from(_PREFIXES[:5]) | st.sampled_from(_PREFIXES),  # the first five are accepted
    st.sampled_from(_HOSTS[:10]) | st.sampled_from(_HOSTS),  # and so are the first ten
    st.lists(_SEGMENT, max_size=6),
    st.sampled_from(_SUFFIXES),
)
def test_link_shaped_text_is_either_refused_politely_or_canonical(
    prefix: str, host: str, segments: list[str], suffix: str
) -> None:
    _check_refusal_or_canonical(prefix + host + "".join("/" + segment for segment in segments) + suffix)


_OWNER = st.from_regex(r"[0-9][A-Za-z0-9-]{0,20}", fullmatch=True)  # a digit first: never a reserved page
_REPO = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,20}", fullmatch=True)


@given(_OWNER, _REPO, st.integers(1, 10**6), st.lists(st.booleans(), min_size=80, max_size=80))
def test_github_names_are_case_insensitive_in_the_key(owner: str, repo: str, number: int, flips: list[bool]) -> None:
    plain = parse_submission_link(f"github.com/{owner}/{repo}/pull/{number}")
    written = f"HTTPS://GitHub.com/{owner}/{repo}"
    recased = "".join(char.swapcase() if flip else char for char, flip in zip(written, flips, strict=False))
    assert len(recased) == len(written)
    assert parse_submission_link(f"{recased}/pull/{number}/").key == plain.key
    assert plain.key == f"github:pull_request:{owner.lower()}/{repo.lower()}#{number}"


_PATH_TEXT = st.text(st.characters(exclude_categories=["C", "Z"], exclude_characters="/?#\\"), min_size=1, max_size=8)
_PATH_SEGMENT = _PATH_TEXT.filter(lambda text: text not in {".", ".."})


@given(
    _OWNER,
    _REPO,
    st.sampled_from(["blob", "tree"]),
    st.lists(st.tuples(_PATH_SEGMENT, st.booleans()), min_size=2, max_size=5),
)
def test_any_file_path_is_kept_and_reads_back_the_same(
    owner: str, repo: str, page: str, path: list[tuple[str, bool]]
) -> None:
    # Written as a browser copies it (percent-encoded) or as a person types it (raw); a raw "%"
    # would start an escape, so such segments are always encoded.
    written = "/".join(quote(text, safe="") if encode or "%" in text else text for text, encode in path)
    link = parse_submission_link(f"github.com/{owner}/{repo}/{page}/{written}")
    canonical = "/".join(quote(text, safe="") for text, _ in path)
    assert link.type is LinkType.FILE
    assert link.key == f"github:file:{owner.lower()}/{repo.lower()}@{canonical}"
    assert link.url == f"https://github.com/{owner}/{repo}/{page}/{canonical}"
    assert parse_submission_link(link.url) == link


@given(st.integers(0, 40), st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]))
def test_hidden_characters_anywhere_inside_are_refused(position: int, hidden: str) -> None:
    link = "https://github.com/a/b/pull/12"
    position = 1 + position % (len(link) - 1)  # strictly inside: surrounding whitespace is trimmed
    with pytest.raises(InvalidSubmissionLink):
        parse_submission_link(link[:position] + hidden + link[position:])
