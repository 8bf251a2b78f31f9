"""The categories of the scenario bank and the labels a trainee can choose from.

These are part of the bank's schema, not of its data: the validator, both quiz
renderings, the analytics and the glossary all need to agree on them, so they live
in one place.  Each label has a short display name and a one-line definition that
is shown next to the options (and to independent raters during the key check).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    """One answer a trainee can choose: a stable slug, a display name, a definition."""

    slug: str
    name: str
    definition: str


@dataclass(frozen=True)
class Category:
    """A family of labels that items of one kind are classified into."""

    slug: str
    name: str
    question: str
    labels: tuple[Label, ...]

    def label(self, slug: str) -> Label:
        for label in self.labels:
            if label.slug == slug:
                return label
        raise KeyError(slug)

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(label.slug for label in self.labels)


CATEGORIES: dict[str, Category] = {
    "bases": Category(
        slug="bases",
        name="Individual and relational bases of power",
        question="Which base of power best explains why the target goes along?",
        labels=(
            Label("expert", "Expert power",
                  "The target relies on the agent's specialised knowledge or skill, without "
                  "needing to follow the reasoning themselves."),
            Label("informational", "Informational power",
                  "The content itself persuades: evidence or an argument the target follows "
                  "and would accept whoever brought it (Raven, 1965)."),
            Label("referent", "Referent power",
                  "The target identifies with the agent: wants to be like them or to belong "
                  "with them (wanting their praise is personal reward instead)."),
            Label("legitimate", "Legitimate power",
                  "The target accepts that the agent's role or position gives a right to ask."),
            Label("coercive", "Coercive power",
                  "The target fears a punishment or harm, or losing what they already have, "
                  "expect or are entitled to."),
            Label("reward", "Reward power",
                  "The target hopes for a benefit beyond what they already have or expect, "
                  "including praise or approval."),
        ),
    ),
    "systemic": Category(
        slug="systemic",
        name="Systemic and structural power",
        question="Which form of systemic power is at work here?",
        labels=(
            Label("dominant-group", "Dominant-group power (privilege)",
                  "Advantage that comes from membership of a historically dominant social "
                  "group, often invisible to the person who holds it."),
            Label("institutional", "Institutional power",
                  "Power vested in organisational and legal structures (rules, policies, "
                  "laws, procedures) that distribute outcomes unequally."),
            Label("narrative", "Power of the narrative",
                  "Control over media, education and cultural discourse that shapes what "
                  "counts as normal or true."),
        ),
    ),
    "control": Category(
        slug="control",
        name="Power versus control",
        question="Which best describes what is happening between these people?",
        labels=(
            Label("power", "Power (influence)",
                  "One person influences another, but the other's choice stays their own."),
            Label("control", "Control (a restricting act)",
                  "A specific act that restricts another person's autonomy."),
            Label("shared-power", "Shared power",
                  "Influence flows both ways; decisions are made together and either "
                  "person can say no."),
            Label("coercive-control", "Coercive control",
                  "An ongoing pattern of domination (monitoring, isolation, rules, threats) "
                  "that restricts the other's freedom across many areas of life."),
        ),
    ),
    "modes": Category(
        slug="modes",
        name="Power over, power with, power to",
        question="Which mode of power is at work here?",
        labels=(
            Label("power-over", "Power over",
                  "Coercion, control or domination: one party prevails at the other's expense."),
            Label("power-with", "Power with",
                  "Collaboration and mutual influence: people act together."),
            Label("power-to", "Power to",
                  "Individual capacity and agency: a person is able to act for themselves."),
        ),
    ),
}

#: The eight "power sources" of the source note the course counts items for: French and
#: Raven's five bases and the three systemic forms (informational power, Raven's sixth
#: base, is taught and practised but is not one of the note's sources).
POWER_SOURCES: tuple[str, ...] = tuple(
    s for s in CATEGORIES["bases"].slugs + CATEGORIES["systemic"].slugs if s != "informational"
)

#: The generic question for items whose options span categories: it names no category.
MIXED_QUESTION = "What best explains what happens here?"

#: Labels whose agent does harm or dominates: the casting audit counts who plays them.
HARMFUL_KEYS: frozenset[str] = frozenset(
    {"coercive", "coercive-control", "control", "power-over", "dominant-group"}
)

SETTINGS: tuple[str, ...] = (
    "workplace",
    "school",
    "university",
    "family",
    "therapy",
    "healthcare",
    "community",
    "intimate-partner",
    "online",
    "public-service",
    "social-work",
)

#: Where a vignette is set (bank 2 audits that settings reach beyond UK institutions).
REGIONS: tuple[str, ...] = (
    "uk", "ireland", "continental-europe", "north-america", "latin-america", "caribbean",
    "west-africa", "east-africa", "southern-africa", "middle-east", "south-asia",
    "east-asia", "southeast-asia", "oceania", "indigenous",
)

#: Identity cues an item's text gives about its agent and target (tags ``agent``/``target``).
GENDER_CUES: tuple[str, ...] = ("woman", "man", "nonbinary", "trans")
HERITAGE_CUES: tuple[str, ...] = (
    "white", "black", "south-asian", "east-asian", "southeast-asian", "arab",
    "latin-american", "indigenous", "pacific", "mixed-heritage", "jewish", "muslim",
)
OTHER_CUES: tuple[str, ...] = ("young", "older", "disabled", "lgbtq", "migrant", "working-class", "wealthy")
IDENTITY_CUES: tuple[str, ...] = GENDER_CUES + HERITAGE_CUES + OTHER_CUES

#: What a content note warns of (tag ``depicts``).
DEPICTS: tuple[str, ...] = ("abuse", "coercive-control", "violence", "identity-harm")


def label_for(slug: str) -> Label:
    """Find a label by slug in any category (slugs are unique across categories)."""
    for category in CATEGORIES.values():
        for label in category.labels:
            if label.slug == slug:
                return label
    raise KeyError(slug)


def category_of(label_slug: str) -> str:
    """The category a label belongs to."""
    for category in CATEGORIES.values():
        if label_slug in category.slugs:
            return category.slug
    raise KeyError(label_slug)
