"""Fixed test sets for ``twp import``: an English article, its Spanish translation unit by
unit (original text written for these tests), and the same translation after the damage
real translations show.  Each fixture knows the right answer: the Spanish text every
English unit should receive, or None where no block of the translation is its own."""

from __future__ import annotations

from dataclasses import dataclass

TITLE = ("Walking as a daily anchor", "Caminar como ancla diaria")
SUMMARY = ("How a short walk can steady a hard week.",
           "Cómo un paseo corto puede sostener una semana difícil.")

#: (name, English block, Spanish block), in article order.
BASE: list[tuple[str, str, str]] = [
    ("h_why", "## Why walking helps", "## Por qué caminar ayuda"),
    ("p_rhythm",
     ("When the days feel long, a walk of **20 minutes** gives the mind a rhythm to hold on "
      "to. Many of us found that the first steps are the hardest."),
     ("Cuando los días se hacen largos, un paseo de **20 minutos** le da a la mente un ritmo al "
      "que agarrarse. Muchos descubrimos que los primeros pasos son los más difíciles.")),
    ("p_shoes",
     "You do not need special shoes or a plan. Start at your door and turn back whenever you like.",
     "No hacen falta zapatos especiales ni un plan. Empieza en tu puerta y vuelve cuando quieras."),
    ("h_members", "## What members told us", "## Lo que nos contaron los miembros"),
    ("p_survey",
     ("In a survey of 142 members, most said that walking in the morning helped them sleep "
      "better at night. Several added that the light of the early hours lifted their mood for "
      "the rest of the day."),
     ("En una encuesta a 142 miembros, la mayoría dijo que caminar por la mañana les ayudó a "
      "dormir mejor por la noche. Varios añadieron que la luz de las primeras horas les levantó "
      "el ánimo para el resto del día.")),
    ("li_friend", "- Walk with a friend when you can.", "- Camina con una amistad cuando puedas."),
    ("li_phone", "- Leave your phone at home, or put it on silent.",
     "- Deja el teléfono en casa, o ponlo en silencio."),
    ("li_journal", "- Note how you feel before and after, in a [simple journal](/keeping-a-journal/).",
     "- Anota cómo te sientes antes y después, en un [diario sencillo](/keeping-a-journal/)."),
    ("q_park", "> The park near my flat became my second living room.",
     "> El parque cerca de mi piso se convirtió en mi segundo salón."),
    ("h_much", "### When it is too much", "### Cuando es demasiado"),
    ("p_window",
     ("Some days even a short walk is too much, and that is fine. Sitting by an open window "
      "for `5` minutes also counts."),
     ("Algunos días incluso un paseo corto es demasiado, y no pasa nada. Sentarse junto a una "
      "ventana abierta durante `5` minutos también cuenta.")),
    ("p_steps", "Aim for 3 short walks a week at first; add a fourth when it feels easy.",
     ("Al principio, intenta dar 3 paseos cortos a la semana; añade un cuarto cuando te resulte "
      "fácil.")),
    ("p_dizzy",
     ("If you feel dizzy or unwell, stop and rest. Talk to your prescriber before changing "
      "anything about your medication."),
     ("Si te mareas o te encuentras mal, para y descansa. Habla con quien te receta antes de "
      "cambiar nada de tu medicación.")),
    ("p_more",
     ("More ideas are in our guide to [coping with sleep problems]"
      "(https://demo.example.org/coping-with-sleep-problems/)."),
     ("Hay más ideas en nuestra guía para [afrontar los problemas de sueño]"
      "(https://demo.example.org/es/coping-with-sleep-problems/).")),
]

ENGLISH = {name: en for name, en, _ in BASE}
SPANISH = {name: es for name, _, es in BASE}


def unit_text(block: str) -> str:
    """The unit a Markdown block becomes (its block marker removed)."""
    for marker in ("### ", "## ", "- ", "> "):
        if block.startswith(marker):
            return block[len(marker):]
    return block


def document(blocks: list[str]) -> str:
    """Blocks as a Markdown body: list items on consecutive lines, other blocks apart."""
    out = ""
    for index, block in enumerate(blocks):
        if index:
            tight = block.startswith("- ") and blocks[index - 1].startswith("- ")
            out += "\n" if tight else "\n\n"
        out += block
    return out + "\n"


@dataclass
class Fixture:
    name: str
    english: list[str]
    """The English article's blocks."""
    spanish: list[str]
    """The translated article's blocks."""
    expected: dict[str, str | None]
    """English unit -> the Spanish unit it should get (None: it has a counterpart that
    cannot be imported as is, such as half of a merged paragraph)."""
    counterpart_less: tuple[str, ...] = ()
    """English units with no counterpart at all (not counted for recall)."""


def _expected(names: list[str], **overrides: str | None) -> dict[str, str | None]:
    result: dict[str, str | None] = {unit_text(TITLE[0]): TITLE[1], unit_text(SUMMARY[0]): SUMMARY[1]}
    for name in names:
        result[unit_text(ENGLISH[name])] = (
            overrides[name] if name in overrides else unit_text(SPANISH[name]))
    return result


NAMES = [name for name, _, _ in BASE]
_EN = [ENGLISH[n] for n in NAMES]
_ES = [SPANISH[n] for n in NAMES]


def _replace(blocks: list[str], old: str, *new: str) -> list[str]:
    index = blocks.index(old)
    return blocks[:index] + list(new) + blocks[index + 1:]


EXTRA_ES = "En invierno, muchos caminamos por los pasillos cubiertos de un mercado del barrio."
INSERTED_ITEM = "- Lleva agua si hace calor."
REWORDED = {"h_why": "## How walking helps", "h_members": "## What our members said",
            "h_much": "### On the hard days"}
GROWN = {
    "after p_survey": "Walking in a group also helps: two groups of ours meet every Sunday at 10.",
    "after li_phone": "- Choose a route with benches along the way.",
    "at the end": "Tell us how your walks go: every story helps someone else take the first step.",
}

_SURVEY_ES = SPANISH["p_survey"]
_CUT = _SURVEY_ES.index(" Varios")


def fixtures() -> list[Fixture]:
    reworded_en = [REWORDED.get(n, ENGLISH[n]) for n in NAMES]
    grown_en = list(_EN)
    grown_en.insert(grown_en.index(ENGLISH["p_survey"]) + 1, GROWN["after p_survey"])
    grown_en.insert(grown_en.index(ENGLISH["li_phone"]) + 1, GROWN["after li_phone"])
    grown_en.append(GROWN["at the end"])
    reworded_expected = _expected(NAMES)
    for name, heading in REWORDED.items():
        del reworded_expected[unit_text(ENGLISH[name])]
        reworded_expected[unit_text(heading)] = unit_text(SPANISH[name])
    return [
        Fixture("exact", _EN, _ES, _expected(NAMES)),
        Fixture("merged", _EN,
                _replace([b for b in _ES if b != SPANISH["p_shoes"]], SPANISH["p_rhythm"],
                         SPANISH["p_rhythm"] + " " + SPANISH["p_shoes"]),
                _expected(NAMES, p_rhythm=None, p_shoes=None)),
        Fixture("split", _EN,
                _replace(_ES, _SURVEY_ES, _SURVEY_ES[:_CUT], _SURVEY_ES[_CUT + 1:]),
                _expected(NAMES, p_survey=None)),
        Fixture("added", _EN, _replace(_ES, SPANISH["p_window"], SPANISH["p_window"], EXTRA_ES),
                _expected(NAMES)),
        Fixture("missing", _EN, [b for b in _ES if b != SPANISH["p_shoes"]],
                _expected([n for n in NAMES if n != "p_shoes"]),
                counterpart_less=(unit_text(ENGLISH["p_shoes"]),)),
        Fixture("one missing, one added (the same shape)", _EN,
                _replace([b for b in _ES if b != SPANISH["p_steps"]], SPANISH["p_dizzy"],
                         SPANISH["p_dizzy"], EXTRA_ES),
                _expected([n for n in NAMES if n != "p_steps"]),
                counterpart_less=(unit_text(ENGLISH["p_steps"]),)),
        Fixture("list item inserted", _EN,
                _replace(_ES, SPANISH["li_friend"], SPANISH["li_friend"], INSERTED_ITEM),
                _expected(NAMES)),
        Fixture("headings reworded", reworded_en, _ES, reworded_expected),
        Fixture("English grown", grown_en, _ES, _expected(NAMES),
                counterpart_less=tuple(unit_text(text) for text in GROWN.values())),
    ]


def english_article(fixture: Fixture) -> str:
    return (f'---\ntitle: "{TITLE[0]}"\ndate: 2026-01-15\nsummary: "{SUMMARY[0]}"\n---\n\n'
            + document(fixture.english))


def spanish_article(fixture: Fixture, extra: str = "") -> str:
    return (f'---\ntitle: "{TITLE[1]}"\nsummary: "{SUMMARY[1]}"\nlang: es\n'
            f"translation_of: walking\n{extra}---\n\n" + document(fixture.spanish))
