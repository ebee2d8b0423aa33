"""A guide's front matter: the `name: value` lines between its two `---` lines, read and
checked, each problem at its line (guides/README.md lists the names)."""

from __future__ import annotations

from portal.guides.blocks import BlockProblem, check_id
from portal.guides.problems import GuideProblem

TOPICS: dict[str, str] = {
    "anxiety": "Anxiety and feeling on edge",
    "low-mood": "Low mood",
    "sleep": "Sleep",
    "asb-evidence": "Anti-social behaviour: your options and your evidence",
    "safety": "Staying safe and looking after yourself",
}
REQUIRED_FRONT_MATTER = ("slug", "title", "summary", "topic", "minutes", "audience", "version")
# Where the guide's facts come from, separated by semicolons: shown on its first page.
OPTIONAL_FRONT_MATTER = ("sources",)
FRONT_MATTER_FIELDS = REQUIRED_FRONT_MATTER + OPTIONAL_FRONT_MATTER


def split_front_matter(
    lines: list[str], path: str
) -> tuple[dict[str, tuple[int, str]], int, list[GuideProblem]]:
    """name -> (line, value), the index of the first line after it, and problems."""
    problems: list[GuideProblem] = []
    if not lines or lines[0].strip() != "---":
        return (
            {},
            0,
            [GuideProblem(path, 1, "a guide starts with front matter between two --- lines")],
        )
    values: dict[str, tuple[int, str]] = {}
    for index in range(1, len(lines)):
        text = lines[index]
        if text.strip() == "---":
            return values, index + 1, problems
        if not text.strip():
            continue
        name, sep, value = text.partition(":")
        name = name.strip()
        if not sep or name not in FRONT_MATTER_FIELDS:
            problems.append(
                GuideProblem(
                    path,
                    index + 1,
                    f"unknown front matter line {text.strip()!r}; "
                    f"the names are: {', '.join(FRONT_MATTER_FIELDS)}",
                )
            )
            continue
        if name in values:
            problems.append(GuideProblem(path, index + 1, f"{name} is given twice"))
        values[name] = (index + 1, value.strip())
    return (
        values,
        len(lines),
        [*problems, GuideProblem(path, 1, "the front matter has no closing --- line")],
    )


def check_front_matter(
    values: dict[str, tuple[int, str]], path: str
) -> tuple[dict[str, str | int], list[GuideProblem]]:
    problems: list[GuideProblem] = []
    checked: dict[str, str | int] = {}
    for name in OPTIONAL_FRONT_MATTER:
        if name in values:
            checked[name] = values[name][1]
    for name in REQUIRED_FRONT_MATTER:
        if name not in values or not values[name][1]:
            problems.append(
                GuideProblem(path, values.get(name, (1, ""))[0], f"the front matter needs {name}")
            )
            continue
        line, value = values[name]
        if name in ("minutes", "version"):
            if not value.isdigit() or int(value) < 1:
                problems.append(
                    GuideProblem(path, line, f"{name} must be a whole number, 1 or more")
                )
                continue
            checked[name] = int(value)
        elif name == "topic" and value not in TOPICS:
            problems.append(
                GuideProblem(path, line, f"topic must be one of {', '.join(TOPICS)}, not {value!r}")
            )
        elif name == "slug":
            try:
                checked[name] = check_id(value, line, "the guide's")
            except BlockProblem as problem:
                problems.append(GuideProblem(path, line, problem.message.replace("id", "slug", 1)))
        else:
            checked[name] = value
    return checked, problems
