"""Long articles of our own text, for speed and memory benchmarks.

The sentences are assembled from small phrase lists with a fixed seed, so every run gets
the same article; they carry numbers, dates and abbreviations so normalization does real
work, and a heading every eight paragraphs so assembly does too.
"""

from __future__ import annotations

import random

SUBJECTS = [
    "The city council",
    "A spokeswoman for the port authority",
    "Dr. Lena Ortiz",
    "The regional water board",
    "Local farmers",
    "The transport minister",
    "A group of volunteers",
    "The university's research team",
    "Shop owners on Main St.",
    "The fire department",
    "Gov. Alan Price",
    "Parents at the primary school",
]
VERBS = [
    "said",
    "reported",
    "announced",
    "warned",
    "estimated",
    "confirmed",
    "argued",
    "noted",
]
CLAIMS = [
    "that repairs to the old bridge would cost about $4.5 million",
    "that 1,250 households were still without power on Oct. 21",
    "that rainfall was 40% above the average for the 1990s",
    "that the new bus line would carry 18,000 passengers a week",
    "that the harbour had been dredged to a depth of 12.5 m",
    "that prices rose 3.2% in the third quarter",
    "that the library would open at 9:30 a.m. on weekdays",
    "that 2 of the 7 schools needed new roofs before 2027",
    "that the festival drew more than 25,000 visitors",
    "that the trial would end on Nov. 3, 2026",
    "that the hospital had hired 42 nurses since January",
    "that wind speeds reached 90 km/h during the night",
]
TAILS = [
    "The figures were published on Tuesday.",
    "Officials expect a final decision next month.",
    "Critics questioned the timing of the announcement.",
    "The plan still needs approval from the state.",
    "Residents will be able to comment until Friday.",
    "It was the third such report this year.",
    "Nobody was hurt, according to the police.",
    "The measure passed by a vote of 7-2.",
]
HEADINGS = [
    "What the council decided",
    "How residents reacted",
    "The cost of the plan",
    "What happens next",
    "A look at the numbers",
    "Voices from the harbour",
]


def article(words: int, seed: int = 7) -> str:
    """A Markdown article of about ``words`` words."""
    rng = random.Random(seed)
    out = [f"# A long report, {words} words\n"]
    count = 0
    paragraph = 0
    while count < words:
        if paragraph and paragraph % 8 == 0:
            out.append(f"## {rng.choice(HEADINGS)}\n")
        sentences = []
        for _ in range(rng.randint(2, 4)):
            sentences.append(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(CLAIMS)}.")
        sentences.append(rng.choice(TAILS))
        text = " ".join(sentences)
        count += len(text.split())
        out.append(text + "\n")
        paragraph += 1
    return "\n".join(out)
