"""Benchmark statements: ~1000-word drafts generated from templates of our own writing.

Every sentence is filled from word pools with a seeded random generator and carries details
(numbers, groups, places) drawn per draft, so drafts share structure but hardly any sentence, as
real drafts from different candidates would. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from pathlib import Path

HEADINGS = (
    "Criterion 1: Personal performance",
    "Criterion 2: Organisational context",
    "Criterion 3: Wider professional context",
)

ROLES = (
    "library assistant",
    "information officer",
    "school librarian",
    "records officer",
    "subject librarian",
    "knowledge manager",
    "archives assistant",
    "outreach librarian",
)
PLACES = (
    "a further education college",
    "a county public library service",
    "a teaching hospital",
    "a law firm",
    "a secondary school",
    "a university library",
    "a housing charity",
    "a local authority records office",
    "an engineering consultancy",
)
GROUPS = (
    "first-year nursing students",
    "adult learners",
    "older residents",
    "new solicitors",
    "sixth-form pupils",
    "research staff",
    "volunteers",
    "job seekers",
    "trainee engineers",
)
SKILLS = (
    "teaching and training",
    "cataloguing",
    "records management",
    "data analysis",
    "copyright advice",
    "digital inclusion",
    "literature searching",
    "service evaluation",
    "metadata quality",
    "information governance",
    "reader development",
)
ACTIVITIES = (
    "an online course",
    "a shadowing placement",
    "a mentoring scheme",
    "a regional network project",
    "an in-house workshop",
    "a reading group",
    "a short secondment",
    "a conference workshop",
)
FEELINGS = (
    "nervous",
    "frustrated",
    "surprised",
    "uncomfortable",
    "encouraged",
    "unsure",
    "embarrassed",
    "relieved",
)
OUTCOMES = (
    "fewer repeat enquiries",
    "higher attendance",
    "better feedback scores",
    "faster turnaround",
    "more accurate records",
    "more confident learners",
    "fewer late submissions",
    "stronger referrals from tutors",
)

EXPERIENCE = (
    "In {month} I started {activity} because my PKSB self-assessment rated {skill} at {n}.",
    "I was asked to support {group} at {place}, which meant {skill} became part of my week.",
    "Over {k} weeks I ran {m} sessions on {skill} for {group}.",
    "My manager asked me to review how {place} handled {skill} for {group}.",
    "I kept a log of {m} enquiries from {group} during {month} to see where they struggled.",
    "During {month} I worked with a colleague on {skill} for a project with {group}.",
)
FEELING = (
    "At first I felt {feeling}, because {group} did not respond the way I expected.",
    "I was {feeling} when the first {m} attempts produced so little change.",
    "Looking at the figures for {month} left me {feeling} about my own approach.",
    "I felt {feeling} presenting the results to my manager after only {k} weeks.",
)
REFLECTION = (
    "On reflection, I had planned {m} sessions around the tools, not around what {group} needed.",
    "I realised that my view of {skill} came from {place} and had never been tested.",
    "Reading about {skill} made me question why I had assumed {group} wanted more content.",
    "When I compared my notes from week {k} and week {m}, a pattern in my mistakes became clear.",
    "I wondered whether the problem was my explanation or the way {place} organised the service.",
    "A colleague pointed out that {group} saw the service very differently from how I saw it.",
)
ACTION = (
    "I rebuilt the session around a real task and gave {group} {m} minutes to practise.",
    "I rewrote the proposal around the organisation's priorities and offered to cover {k} shifts.",
    "I agreed {m} simple measures with the team before the trial started in {month}.",
    "I asked {k} members of {group} what they wanted and changed the plan accordingly.",
    "I checked my work against the corrections of an experienced colleague every {k} days.",
)
RESULT = (
    "By {month} the change had led to {outcome}, although the sample was small.",
    "The trial produced {outcome}, and {n} of the {m} participants asked for a follow-up.",
    "Tutors in {k} departments reported {outcome}, though I cannot show that my work caused it.",
    "The figures showed {outcome} across {k} weeks, which persuaded my manager to continue.",
)
LEARNING = (
    "What I learned is that {skill} depends on listening to {group} before planning anything.",
    "This taught me in {month} that evidence persuades only when it speaks to {place}'s aims.",
    "I now see that my confidence with {group} grows from preparation, not from knowing {skill}.",
    "After {k} weeks I learned to treat feedback from {group} as information, not criticism.",
)
INTENTION = (
    "Next year I will observe practice in another sector to test my approach to {skill}.",
    "I plan to share the model with {k} other services in the regional network by {month}.",
    "In future I will agree measures with {group} before a trial rather than after it.",
    "I intend to keep a log after every session with {group} so that my {skill} stays deliberate.",
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "September",
    "October",
    "November",
    "December",
)

PARAGRAPH_PLANS = (
    (EXPERIENCE, FEELING, REFLECTION, ACTION, RESULT),
    (EXPERIENCE, ACTION, RESULT, REFLECTION, LEARNING),
    (REFLECTION, FEELING, LEARNING, INTENTION),
    (EXPERIENCE, REFLECTION, ACTION, RESULT, LEARNING, INTENTION),
)


def _sentence(rng: random.Random, templates: tuple[str, ...], seen: set[str]) -> str:
    for _ in range(2000):
        text = rng.choice(templates).format(
            month=rng.choice(MONTHS),
            activity=rng.choice(ACTIVITIES),
            skill=rng.choice(SKILLS),
            group=rng.choice(GROUPS),
            place=rng.choice(PLACES),
            feeling=rng.choice(FEELINGS),
            outcome=rng.choice(OUTCOMES),
            n=rng.randint(1, 4),
            k=rng.randint(2, 19),
            m=rng.randint(3, 60),
        )
        if text not in seen:
            break
    return _unique(text, seen)


def _unique(text: str, seen: set[str]) -> str:
    """The text, or (once the templates are exhausted) a dated variant no other text has."""
    if text in seen:
        n = len(seen)
        text = f"{text.rstrip('.')} in week {n % 52 + 1} of {1900 + n // 52}."
    seen.add(text)
    return text


def make_draft(seed: int, words: int = 1000, seen: set[str] | None = None) -> str:
    """One statement of about `words` words (body text), in three criterion sections.

    Pass one `seen` set to several calls to keep their sentences distinct from each other.
    """
    rng = random.Random(seed)
    seen = set() if seen is None else seen
    role, place = rng.choice(ROLES), rng.choice(PLACES)
    opening = (
        f"When I began my registration I was a {role} at {place}, and I wanted my development "
        f"to be planned rather than accidental (E{rng.randint(1, 3)})."
    )
    sections: list[list[str]] = [[] for _ in HEADINGS]
    sections[0].append(_unique(opening, seen))
    count = len(opening.split())
    section = 0
    while count < words:
        plan = rng.choice(PARAGRAPH_PLANS)
        paragraph = " ".join(_sentence(rng, templates, seen) for templates in plan)
        if rng.random() < 0.4:
            paragraph += f" (E{rng.randint(1, 12)})"
        sections[section].append(paragraph)
        count += len(paragraph.split())
        section = (section + 1) % len(HEADINGS)
    parts = []
    for heading, paragraphs in zip(HEADINGS, sections, strict=True):
        parts.append(f"# {heading}")
        parts.extend(paragraphs)
    return "\n\n".join(parts) + "\n"


def write_drafts(
    folder: Path, count: int, words: int = 1000, seed: int = 0, *, distinct: bool = False
) -> list[Path]:
    """`count` drafts as Markdown files in `folder` (created); returns their paths.

    With `distinct`, no sentence is repeated across the drafts (as far as the templates allow),
    so that a review cannot be cheaper than encoding every sentence once.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    shared: set[str] | None = set() if distinct else None
    for number in range(count):
        path = folder / f"candidate-{number:03d}.md"
        path.write_text(make_draft(seed * 100_000 + number, words, shared), encoding="utf-8")
        paths.append(path)
    return paths


def edit_one_paragraph(text: str, seed: int) -> str:
    """The same draft with one body paragraph rewritten (new sentences), as a candidate would."""
    rng = random.Random(seed)
    blocks = text.split("\n\n")
    body = [i for i, block in enumerate(blocks) if not block.startswith("#")]
    target = body[rng.randrange(len(body))]
    seen: set[str] = set(text.split(". "))
    blocks[target] = " ".join(
        _sentence(rng, templates, seen) for templates in (REFLECTION, ACTION, LEARNING)
    )
    return "\n\n".join(blocks)
