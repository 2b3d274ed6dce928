"""Generate a synthetic IGF programme for the benchmark: N realistic session folders, deterministically.

Each session looks like a real multi-rapporteur session: a ``session.yaml`` with 8 to 14 people, three
rapporteurs (a Word note written with python-docx, a Markdown note with front matter, and text pasted
from e-mail or the web form), three polls in three export formats (a Zoom poll report, Google Forms
responses, and counted results as copied from Mentimeter or Slido; 15 to 40 respondents, names and
e-mails included so that the privacy filter has work to do), five to seven themes, and an organiser's
``worksheet.xlsx`` (Themes, Takeaways, Actions) whose themes are the notes' themes spelled differently,
so that merging has real work to do. Every session asks for the documents of the workload (the session
report only, or all four). Titles, themes, takeaways, people and poll answers vary between sessions.

Everything is drawn from one seeded :class:`random.Random` and the Office archives are written with fixed
timestamps, so the same ``(n, seed)`` always gives the same bytes; a file is only rewritten when its bytes
change, so a regenerated programme is "unchanged" for an incremental build.

    .venv/bin/python -m bench.synth bench/work/sessions --sessions 60
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.make_examples import reproducible_zip, write_if_changed

SEED = 2026
ALL_DOCUMENTS = ("session_report", "short_report", "briefing_paper", "recommendations")
SAVED = dt.datetime(2026, 6, 30, 9, 0, 0)  # when every generated Office file was "last saved"


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(","))


WSIS_TITLES = {
    "C1": "Role of public governance authorities",
    "C2": "Information and communication infrastructure",
    "C3": "Access to information and knowledge",
    "C4": "Capacity building",
    "C5": "Building confidence and security in the use of ICTs",
    "C6": "Enabling environment",
    "C7": "ICT applications",
    "C8": "Cultural diversity and identity, linguistic diversity and local content",
    "C9": "Media",
    "C10": "Ethical dimensions of the Information Society",
    "C11": "International and regional cooperation",
}

STAKEHOLDERS = (
    "Civil Society",
    "Private Sector",
    "Technical Community",
    "Government",
    "Intergovernmental Organization",
)
REGIONS = (
    "African Group",
    "Asia-Pacific Group",
    "Eastern European Group",
    "Latin American and Caribbean Group (GRULAC)",
    "Western European and Others Group (WEOG)",
)
SUBTHEMES = (
    "Building Digital Trust and Resilience",
    "Global Digital Governance & Cooperation",
    "Advancing Human Rights and Inclusion in the Digital Age",
    "Digital Innovation for Sustainable Development",
    "Universal Access and Digital Rights",
)
SUBTITLES = (
    "lessons from the regions",
    "what comes next",
    "a multistakeholder dialogue",
    "from principles to practice",
    "bridging the gaps",
)
FORMATS = ("Roundtable", "Panel", "Break-out Group Discussions", "Birds of a Feather", "Workshop")

FIRST = _words(
    "Amara, Tomás, Ingrid, Lukas, Priya, Jonas, Fatima Zahra, Marek, Chen, Grace, Olivier, Sofia, Daniel, "
    "Hanna, Rafael, Keiko, Haruto, Aisha, Kwame, Lucía, Mateo, Nadia, Irina, Dmitri, Ana, Julija, Vivek, "
    "Mariam, Samuel, Elif, Thandiwe, Joaquín, Mei, Oksana, Youssef, Camila, Arjun, Leila, Tariq, Valentina"
)
LAST = _words(
    "Nwosu, Aguilar, Solberg, Becker, Raman, Lindqvist, Idrissi, Nowak, Wei, Mwangi, Martin, Petrova, "
    "Okafor, Virtanen, Costa, Nakamura, Sato, Bello, Mensah, Fernández, Rojas, Haddad, Daneliya, Volkov, "
    "Neves, Kalpokiene, Goyal, Diallo, Osei, Yılmaz, Dlamini, Herrera, Lin, Kovalenko, Benali, Quispe, "
    "Iyer, Karimi, Hassan, Moreno"
)
AFFILIATIONS = _words(
    "Internet Society, Secure Hosting Alliance, Regional Internet Registry, Ministry of ICT, "
    "Digital Rights Foundation, National CERT, University of Nairobi, Access Now, "
    "Internet Infrastructure Coalition, ITU, UNESCO, Global Partners Digital"
)

# A theme: its title, the worksheet's spelling of it, its WSIS action lines, what was said, takeaways.
THEMES: list[dict] = [
    {
        "title": "Meaningful connectivity in rural areas",
        "sheet": "Meaningful Connectivity in Rural Areas",
        "wsis": ["C2", "C4"],
        "said": [
            "Community networks in rural districts reported that backhaul costs, not last-mile equipment, "
            "are the largest item in their budgets.",
            "Participants described spectrum licences priced for national operators that a cooperative of a "
            "few hundred households cannot afford.",
            "Several speakers stressed that connectivity only becomes meaningful when it is affordable, "
            "reliable and paired with the skills to use it.",
            "A speaker from a rural municipality explained how a shared tower arrangement halved the cost of"
            " coverage for three villages.",
            "Universal service funds were described as under-spent in many countries because the rules "
            "exclude small and community operators.",
        ],
        "takeaways": [
            "Affordable backhaul is the main barrier for community networks, ahead of last-mile equipment.",
            "Spectrum licensing should include a tier that small and community operators can afford.",
            "Universal service funds should be open to community and small operators.",
            "Connectivity is meaningful only when paired with digital skills and local content.",
        ],
    },
    {
        "title": "Security and resilience of critical Internet infrastructure",
        "sheet": "Security & Resilience of Critical Internet Infrastructure",
        "wsis": ["C2", "C5"],
        "said": [
            "Operators described route leaks and hijacks that propagated across regions within minutes "
            "before anyone could react.",
            "Adoption of route origin validation was reported to be uneven, with large gaps in networks that"
            " rely on older edge equipment.",
            "Participants noted that submarine cable repairs depend on a handful of ships and on permits "
            "that can take weeks to obtain.",
            "Speakers warned that resilience plans written only for natural disasters miss the failure modes"
            " of concentrated cloud and DNS providers.",
            "A CSIRT representative described how shared incident playbooks shortened the recovery from a "
            "regional DDoS campaign.",
        ],
        "takeaways": [
            "Route origin validation should become a baseline expectation for every network.",
            "Cable repair permits need fast-track procedures agreed in advance between neighbouring states.",
            "Resilience planning must include the concentration of cloud and DNS services.",
            "Shared incident playbooks between CSIRTs shorten recovery times.",
        ],
    },
    {
        "title": "Artificial intelligence and human rights",
        "sheet": "Artificial Intelligence and Human Rights",
        "wsis": ["C10", "C6"],
        "said": [
            "Civil society participants described automated moderation systems that removed documentation of"
            " human rights abuses.",
            "Speakers from the private sector presented impact assessments carried out before deploying "
            "models in new markets.",
            "Participants agreed that transparency about training data and evaluation is a precondition for "
            "meaningful accountability.",
            "Several interventions questioned whether voluntary commitments can substitute for binding "
            "safeguards in high-risk uses.",
            "A government speaker described a regulatory sandbox that lets public agencies test AI services "
            "under independent oversight.",
        ],
        "takeaways": [
            "Human rights impact assessments should precede the deployment of AI systems in high-risk uses.",
            "Transparency about training data and evaluation is a precondition for accountability.",
            "Voluntary commitments are not a substitute for binding safeguards where rights are at stake.",
            "Regulatory sandboxes can help public agencies test AI services under independent oversight.",
        ],
    },
    {
        "title": "Data governance and cross-border data flows",
        "sheet": "Data Governance and Cross-Border Data Flows",
        "wsis": ["C6", "C11"],
        "said": [
            "Participants contrasted data localisation requirements with the costs they impose on small "
            "businesses exporting digital services.",
            "Speakers explained that trust in cross-border flows depends on enforceable protections rather "
            "than on where servers are located.",
            "Regional frameworks were presented as a practical path towards interoperability between "
            "national data protection laws.",
            "A speaker from a statistics office described how shared data standards enabled faster reporting"
            " on development goals.",
        ],
        "takeaways": [
            "Trust in data flows depends on enforceable protections, not on server location.",
            "Regional frameworks can make national data protection laws interoperable.",
            "Data localisation imposes costs that fall hardest on small businesses.",
            "Shared data standards speed up reporting on development goals.",
        ],
    },
    {
        "title": "Digital public infrastructure",
        "sheet": "Digital Public Infrastructure",
        "wsis": ["C7", "C1"],
        "said": [
            "Speakers presented digital identity and payment systems that reached millions of people within "
            "a few years.",
            "Participants asked who governs digital public infrastructure once it becomes the only way to "
            "access public services.",
            "Open standards and open source components were described as a safeguard against vendor lock-in "
            "for governments.",
            "Civil society speakers warned that exclusion errors in identity systems fall hardest on people "
            "without documents.",
        ],
        "takeaways": [
            "Digital public infrastructure needs inclusive governance from the design stage.",
            "Open standards protect governments against vendor lock-in.",
            "Exclusion errors in identity systems must have an offline remedy.",
        ],
    },
    {
        "title": "Multilingual Internet and local content",
        "sheet": "Multilingual Internet & Local Content",
        "wsis": ["C8", "C3"],
        "said": [
            "Participants noted that universal acceptance of internationalised domain names and e-mail "
            "addresses is still far from complete.",
            "Speakers from indigenous communities described archives of oral histories published in their "
            "own languages.",
            "Content creators explained that search and recommendation systems rarely surface content in "
            "smaller languages.",
            "A registry operator reported that script-specific domain names grow fastest where local "
            "services support them end to end.",
        ],
        "takeaways": [
            "Universal acceptance of internationalised identifiers is still far from complete.",
            "Search and recommendation systems should surface content in smaller languages.",
            "Local-language content grows when services support it end to end.",
        ],
    },
    {
        "title": "Capacity building for policy makers",
        "sheet": "Capacity Building for Policy Makers",
        "wsis": ["C4", "C1"],
        "said": [
            "Parliamentarians described the difficulty of legislating on technologies that change faster "
            "than the legislative calendar.",
            "Participants praised short technical briefings delivered by engineers in plain language, "
            "without product pitches.",
            "Speakers recommended pairing policy makers with technical mentors through regional and national"
            " IGF initiatives.",
            "Training programmes were reported to be most effective when they follow a real legislative "
            "project from draft to adoption.",
        ],
        "takeaways": [
            "Policy makers benefit from short technical briefings in plain language.",
            "Mentoring between engineers and legislators should run through national and regional IGFs.",
            "Training is most effective when it follows a real legislative project.",
        ],
    },
    {
        "title": "Online safety of children and young people",
        "sheet": "Online Safety of Children & Young People",
        "wsis": ["C5", "C10"],
        "said": [
            "Youth participants asked to be consulted on safety measures rather than having measures "
            "designed about them.",
            "Speakers discussed age assurance methods and their implications for privacy and access to "
            "information.",
            "Educators described digital literacy curricula that teach young people how to report and block "
            "abusive accounts.",
            "Platforms reported that safety-by-design reviews catch problems that later moderation cannot "
            "fix.",
        ],
        "takeaways": [
            "Young people should be consulted when safety measures are designed.",
            "Age assurance must be weighed against privacy and access to information.",
            "Safety-by-design reviews catch problems that moderation cannot fix later.",
        ],
    },
    {
        "title": "Environmental sustainability of digital technologies",
        "sheet": "Environmental Sustainability of Digital Technologies",
        "wsis": ["C7", "C6"],
        "said": [
            "Participants noted that the energy use of data centres is rising quickly with the spread of "
            "large AI models.",
            "Speakers presented e-waste collection schemes that recover rare metals and create local jobs.",
            "A network operator described how equipment upgrades reduced energy use per gigabyte by more "
            "than half.",
            "Participants asked for common reporting standards so that environmental claims can be compared.",
        ],
        "takeaways": [
            "Environmental claims of digital services need common reporting standards.",
            "E-waste schemes can recover materials and create local jobs.",
            "The energy use of AI workloads should be measured and published.",
        ],
    },
    {
        "title": "Misinformation and information integrity",
        "sheet": "Misinformation and Information Integrity",
        "wsis": ["C9", "C10"],
        "said": [
            "Journalists described coordinated campaigns that targeted elections in several countries at "
            "once.",
            "Speakers argued that fact-checking alone cannot keep pace with the volume of synthetic content.",
            "Participants warned that broad laws against false information have been used to silence "
            "legitimate criticism.",
            "Researchers asked platforms for data access that allows independent study of how content "
            "spreads.",
        ],
        "takeaways": [
            "Researchers need data access to study how content spreads.",
            "Laws against false information must not silence legitimate criticism.",
            "Fact-checking alone cannot keep pace with synthetic content.",
        ],
    },
    {
        "title": "Gender and digital inclusion",
        "sheet": "Gender & Digital Inclusion",
        "wsis": ["C3", "C4"],
        "said": [
            "Speakers presented data showing that women in low-income countries are far less likely to use "
            "mobile Internet than men.",
            "Participants described online harassment as a reason why women withdraw from public debate "
            "online.",
            "Mentoring programmes for women engineers were reported to improve retention in technical "
            "careers.",
            "Several speakers asked for gender-disaggregated data in every national connectivity strategy.",
        ],
        "takeaways": [
            "National connectivity strategies need gender-disaggregated data.",
            "Online harassment drives women out of public debate and must be addressed.",
            "Mentoring improves the retention of women in technical careers.",
        ],
    },
    {
        "title": "Internet fragmentation",
        "sheet": "Internet Fragmentation",
        "wsis": ["C11", "C6"],
        "said": [
            "Participants distinguished technical fragmentation of the Internet's infrastructure from "
            "fragmentation of user experience and of governance.",
            "Speakers warned that unilateral measures on routing, naming or addressing can have effects far "
            "beyond national borders.",
            "Several interventions argued that interoperable rules matter more than identical rules across "
            "jurisdictions.",
            "The technical community described how open standards processes keep the network interoperable "
            "despite political pressure.",
        ],
        "takeaways": [
            "Unilateral measures on routing, naming or addressing have cross-border effects.",
            "Interoperable rules matter more than identical rules.",
            "Open standards processes keep the network interoperable.",
        ],
    },
]

GENERIC = [
    "The moderator opened the discussion by recalling the policy questions submitted with the session "
    "proposal.",
    "Speakers from {region_a} and {region_b} compared their experiences and found more common ground than "
    "expected.",
    "A participant from {affiliation} asked how the proposals would be funded once pilot projects end.",
    "Online participants contributed through the chat, and their questions were read out by the online "
    "moderator.",
    "Several interventions stressed that the {stakeholder} perspective is often missing from these debates.",
    "The discussion returned several times to the need for evidence rather than anecdotes.",
    "{name} summarised the exchange by pointing to three areas where cooperation could start immediately.",
    "Participants agreed that the issue cannot be solved by any single stakeholder group acting alone.",
    "A speaker cautioned that solutions designed in {region_a} do not always transfer to other contexts.",
    "The session heard that national and regional IGF initiatives are well placed to carry the conversation "
    "forward.",
]

ACTIONS = [
    (
        "Establish a regional working group to share good practices and report back at the next IGF.",
        "National and regional IGF initiatives",
        ["C11"],
    ),
    (
        "Publish a plain-language guide summarising the session's findings for policy makers.",
        "Session organisers",
        ["C4"],
    ),
    (
        "Fund pilot projects that pair technical experts with local governments.",
        "Governments; development partners",
        ["C1", "C4"],
    ),
    (
        "Create an open repository of case studies and make it available under an open licence.",
        "Technical Community; academia",
        ["C3"],
    ),
    (
        "Include youth representatives in the design of every follow-up activity.",
        "Youth IGF; session organisers",
        ["C10"],
    ),
    (
        "Adopt common reporting templates so that progress can be compared across countries.",
        "Governments; Intergovernmental Organization",
        ["C6"],
    ),
    (
        "Organise capacity-building workshops for regulators in underserved regions.",
        "Regional organisations; ITU",
        ["C4"],
    ),
    (
        "Map existing initiatives to avoid duplication and identify gaps.",
        "IGF Secretariat; dynamic coalitions",
        ["C11"],
    ),
    (
        "Commission independent research on the impact of the measures discussed.",
        "Academia; donors",
        ["C3", "C10"],
    ),
    (
        "Bring the session's recommendations to the WSIS+20 review process.",
        "Session organisers; IGF MAG",
        ["C11"],
    ),
    (
        "Set up a multistakeholder advisory panel to review draft legislation before adoption.",
        "Parliaments; civil society",
        ["C1", "C6"],
    ),
    (
        "Translate the outcome document into the six UN languages and local languages.",
        "IGF Secretariat; volunteers",
        ["C8"],
    ),
]

POLL_QUESTIONS = [
    ("Which stakeholder group should lead on this issue?", list(STAKEHOLDERS)),
    ("How would you rate progress in your country?", ["Very good", "Good", "Fair", "Poor", "Very poor"]),
    (
        "What is the biggest obstacle to progress?",
        [
            "Lack of funding",
            "Lack of skills",
            "Unclear regulation",
            "Lack of political will",
            "Commercial pressure",
        ],
    ),
    (
        "Which WSIS action lines matter most for this topic? (choose up to two)",
        [f"{c} {WSIS_TITLES[c].split(',')[0]}" for c in ("C2", "C4", "C5", "C6", "C10", "C11")],
    ),
    (
        "Where should this work be taken next?",
        ["Global Digital Compact", "WSIS+20 review", "National and regional IGFs", "ITU", "Standards bodies"],
    ),
    ("Should binding rules be adopted at the international level?", ["Yes", "No", "Not yet", "Don't know"]),
]
OPEN_QUESTIONS = [
    "In one sentence, what should happen next?",
    "What would make your organisation take part in follow-up work?",
]
OPEN_ANSWERS = [
    "A concrete follow-up meeting with the people who will implement the rules.",
    "Funding for at least one pilot in an underserved region.",
    "Clear, short guidance in plain language.",
    "Involving the technical community from the start.",
    "Seeing that our input changes something.",
    "More remote participation options and better time zones.",
    "Data to back up the recommendations.",
    "A mentor who already knows how the IGF works.",
]


@dataclass
class Person:
    name: str
    role: str
    stakeholder: str
    region: str
    gender: str | None
    affiliation: str | None = None


@dataclass
class Note:
    filename: str
    rapporteur: str
    group: str | None
    channel: str
    summary: list[str]
    themes: list[tuple[dict, list[str], list[str]]]  # theme, paragraphs, takeaways
    actions: list[str]
    conclusion: list[str]


@dataclass
class Session:
    number: int
    id: str
    code: str
    title: str
    date: dt.date
    people: list[Person]
    documents: list[str]
    themes: list[dict]
    notes: list[Note] = field(default_factory=list)
    subtheme: str = ""
    format: str = ""


# --------------------------------------------------------------------------------------------------
# The session, as data


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in used:
            used.add(name)
            return name


def _person(rng: random.Random, name: str, role: str) -> Person:
    return Person(
        name=name,
        role=role,
        stakeholder=rng.choice(STAKEHOLDERS),
        region=rng.choice(REGIONS),
        gender=rng.choice(("female", "male", "female", "male", None)),
        affiliation=rng.choice(AFFILIATIONS) if rng.random() < 0.4 else None,
    )


def _paragraph(rng: random.Random, theme: dict | None, people: list[Person], sentences: int) -> str:
    out = []
    own = list(theme["said"]) if theme else []
    rng.shuffle(own)
    for i in range(sentences):
        if own and (i % 2 == 0 or rng.random() < 0.5):
            out.append(own.pop())
            continue
        regions = rng.sample(REGIONS, 2)
        out.append(
            rng.choice(GENERIC).format(
                region_a=regions[0].replace(" Group", "").split(" (")[0],
                region_b=regions[1].replace(" Group", "").split(" (")[0],
                affiliation=rng.choice(AFFILIATIONS),
                stakeholder=rng.choice(STAKEHOLDERS).lower(),
                name=rng.choice(people).name,
            )
        )
    return " ".join(out)


def make_session(rng: random.Random, number: int, documents: Sequence[str]) -> Session:
    """Draw one session: metadata, people, and what each rapporteur wrote."""
    # The title's theme goes round the list, so that neighbouring sessions have different titles.
    lead = THEMES[(number * 5) % len(THEMES)]
    themes = [lead, *rng.sample([t for t in THEMES if t is not lead], rng.randint(4, 6))]
    title = themes[0]["title"]
    if rng.random() < 0.5:
        title = f"{title}: {rng.choice(SUBTITLES)}"
    used: set[str] = set()
    people: list[Person] = []
    organizers = [_person(rng, _name(rng, used), "organizer") for _ in range(rng.randint(1, 2))]
    speakers = [_person(rng, _name(rng, used), "speaker") for _ in range(rng.randint(3, 7))]
    people += organizers + speakers
    people.append(Person(**{**organizers[0].__dict__, "role": "moderator"}))
    people.append(Person(**{**organizers[-1].__dict__, "role": "online_moderator"}))

    docs = list(documents)
    date = dt.date(2026, 6, 22) + dt.timedelta(days=rng.randint(0, 4))
    session = Session(
        number=number,
        id=f"igf2026-ws{number:03d}",
        code=f"WS #{number}",
        title=title[0].upper() + title[1:],
        date=date,
        people=people,
        documents=docs,
        themes=themes,
        subtheme=rng.choice(SUBTHEMES),
        format=rng.choice(FORMATS),
    )

    # Three rapporteurs: the session's own report in Word, two groups in Markdown and pasted text.
    kinds = ["docx", "md", "txt"]
    n_notes = len(kinds)
    for i, kind in enumerate(kinds):
        rapporteur = _person(rng, _name(rng, used), "rapporteur")
        people.append(rapporteur)
        channel = "onsite" if i % 2 == 0 else "online"
        # The first note covers every theme; each group note picks up two of them again.
        picked = themes if i == 0 else rng.sample(themes, min(2, len(themes)))
        note_themes = []
        for theme in picked:
            n_paragraphs = rng.randint(1, 3) if i == 0 else rng.randint(1, 2)
            paragraphs = [_paragraph(rng, theme, people, rng.randint(3, 5)) for _ in range(n_paragraphs)]
            takeaways = rng.sample(theme["takeaways"], rng.randint(2, min(3, len(theme["takeaways"]))))
            note_themes.append((theme, paragraphs, takeaways))
        session.notes.append(
            Note(
                filename=f"{i + 1:02d}-{'report' if i == 0 else f'group{i}'}-{channel}.{kind}",
                rapporteur=rapporteur.name,
                group=None if n_notes == 1 else f"Group {i + 1} ({channel})",
                channel=channel,
                summary=[_paragraph(rng, None, people, rng.randint(3, 4)) for _ in range(rng.randint(1, 2))],
                themes=note_themes,
                actions=[
                    a[0] for a in rng.sample(ACTIONS, rng.randint(3, 5) if i == 0 else rng.randint(1, 3))
                ],
                conclusion=[_paragraph(rng, None, people, 2)],
            )
        )
    return session


# --------------------------------------------------------------------------------------------------
# Files


def _wsis_label(codes: list[str]) -> str:
    return "WSIS alignment: " + ", ".join(f"{c} ({WSIS_TITLES[c]})" for c in codes)


def session_yaml(s: Session) -> str:
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        f"# Synthetic session for the benchmark (bench/synth.py, session {s.number}).",
        f"id: {s.id}",
        "event: IGF 2026",
        f"code: {q(s.code)}",
        f"title: {q(s.title)}",
        f"date: {s.date.isoformat()}",
        f"format: {s.format}",
        f"duration_minutes: {60 if s.number % 3 else 90}",
        "language: en",
        f"documents: [{', '.join(s.documents)}]",
        f"deadline: {(s.date + dt.timedelta(days=14)).isoformat()}",
        f"subtheme: {q(s.subtheme)}",
        f"sdgs: [{', '.join(str(n) for n in sorted({9, 16, 17, 4 + s.number % 6}))}]",
        "policy_questions:",
    ]
    for theme in s.themes[:3]:
        lines.append(f"  - {q('How can stakeholders make progress on ' + theme['title'].lower() + '?')}")
    lines.append("people:")
    for p in s.people:
        lines += [
            f"  - name: {q(p.name)}",
            f"    role: {p.role}",
            f"    stakeholder: {p.stakeholder}",
            f"    region: {q(p.region)}",
        ]
        if p.gender:
            lines.append(f"    gender: {p.gender}")
        if p.affiliation:
            lines.append(f"    affiliation: {q(p.affiliation)}")
    return "\n".join(lines) + "\n"


def note_markdown(n: Note) -> str:
    out = ["---", f"rapporteur: {n.rapporteur}"]
    if n.group:
        out.append(f'group: "{n.group}"')
    out += [f"channel: {n.channel}", "---", "", "# Executive summary", ""]
    for p in n.summary:
        out += [p, ""]
    out += ["# Key themes", ""]
    for theme, paragraphs, takeaways in n.themes:
        out += [f"## {theme['title']}", "", _wsis_label(theme["wsis"]), ""]
        for p in paragraphs:
            out += [p, ""]
        out += ["**Key takeaways:**", ""] + [f"- {t}" for t in takeaways] + [""]
    out += ["# Recommended actions", ""] + [f"- {a}" for a in n.actions] + [""]
    out += ["# Conclusion", ""]
    for p in n.conclusion:
        out += [p, ""]
    return "\n".join(out)


def note_text(n: Note) -> str:
    """Pasted from a web form, like inputs/igf2025-ws106: indented, numbered titles, "•" bullets."""
    out = [f"Rapporteur: {n.rapporteur}"]
    if n.group:
        out.append(f"Group: {n.group}")
    out += [f"Channel: {n.channel}", "", "    Executive Summary", ""]
    for p in n.summary:
        out += [f"    {p}", ""]
    out += ["    Key Themes and Discussion Points", ""]
    for i, (theme, paragraphs, takeaways) in enumerate(n.themes, start=1):
        out += [f"    {i}. {theme['title']}", "", f"    {_wsis_label(theme['wsis'])}", ""]
        for p in paragraphs:
            out += [f"    {p}", ""]
        out += ["    Key Takeaways:", ""] + [f"    • {t}" for t in takeaways] + [""]
    out += ["    Conclusion and Next Steps", ""]
    for p in n.conclusion:
        out += [f"    {p}", ""]
    out += ["    Recommended Actions:", ""] + [f"    • {a}" for a in n.actions]
    return "\n".join(out) + "\n"


def note_docx(n: Note, title: str) -> bytes:
    from docx import Document

    doc = Document()
    props = doc.core_properties
    props.author = props.last_modified_by = n.rapporteur
    props.title = title
    props.created = props.modified = SAVED
    props.revision = 2
    doc.add_paragraph(title, style="Title")
    doc.add_paragraph(f"Rapporteur: {n.rapporteur}")
    if n.group:
        doc.add_paragraph(f"Group: {n.group}")
    doc.add_paragraph(f"Channel: {n.channel}")
    doc.add_heading("Executive summary", level=1)
    for p in n.summary:
        doc.add_paragraph(p)
    doc.add_heading("Key themes", level=1)
    for theme, paragraphs, takeaways in n.themes:
        doc.add_heading(theme["title"], level=2)
        doc.add_paragraph(_wsis_label(theme["wsis"]))
        for p in paragraphs:
            doc.add_paragraph(p)
        doc.add_paragraph().add_run("Key takeaways:").bold = True
        for t in takeaways:
            doc.add_paragraph(t, style="List Bullet")
    doc.add_heading("Recommended actions", level=1)
    for a in n.actions:
        doc.add_paragraph(a, style="List Bullet")
    doc.add_heading("Conclusion", level=1)
    for p in n.conclusion:
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    return reproducible_zip(buf.getvalue(), SAVED)


def worksheet(rng: random.Random, s: Session) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.properties.creator = s.people[0].name
    wb.properties.created = wb.properties.modified = SAVED

    def sheet(ws, header: tuple[str, ...], rows: list, widths: tuple[int, ...]) -> None:
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(list(row))
        for col, width in zip("ABC", widths, strict=False):
            ws.column_dimensions[col].width = width
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"

    picked = s.themes  # every theme, spelled as the organiser did
    themes = [(t["sheet"], ", ".join(t["wsis"]), rng.choice(t["said"])) for t in picked]
    takeaways = [(t["sheet"], tk) for t in picked for tk in rng.sample(t["takeaways"], 2)]
    actions = [(a, actors, ", ".join(codes)) for a, actors, codes in rng.sample(ACTIONS, rng.randint(2, 4))]
    first = wb.active
    first.title = "Themes"
    sheet(first, ("Theme", "WSIS action lines", "Summary"), themes, (48, 18, 90))
    sheet(wb.create_sheet("Takeaways"), ("Theme", "Takeaway"), takeaways, (48, 90))
    sheet(wb.create_sheet("Actions"), ("Action", "Actors", "WSIS action lines"), actions, (80, 50, 18))
    buf = io.BytesIO()
    wb.save(buf)
    return reproducible_zip(buf.getvalue(), SAVED)


def _answers(rng: random.Random, options: list[str], multi: bool) -> list[str]:
    # Skewed towards the first options, as real polls are.
    weights = [len(options) - i + 1 for i in range(len(options))]
    first = rng.choices(options, weights)[0]
    if multi and rng.random() < 0.6:
        second = rng.choice([o for o in options if o != first])
        return [first, second]
    return [first]


def poll_zoom(rng: random.Random, s: Session) -> tuple[str, bytes]:
    """A Zoom poll report (pre-2021 layout, as in inputs/igf2025-ws106): question/answer pairs per row."""
    questions = rng.sample(POLL_QUESTIONS, 3)
    start = dt.datetime.combine(s.date, dt.time(10, 58))
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Poll Report"])
    w.writerow(["Report Generated:", (start + dt.timedelta(hours=1)).strftime("%b %d, %Y %I:%M %p")])
    w.writerow(["Topic", "Meeting ID", "Actual Start Time", "Actual Duration (minutes)", "# Participants"])
    w.writerow(
        [
            f"IGF 2026 {s.code} {s.title}",
            f"8{s.number:02d} 1237 7604",
            start.strftime("%b %d, %Y %I:%M %p"),
            60 + rng.randint(0, 10),
            rng.randint(30, 90),
        ]
    )
    w.writerow([])
    w.writerow(["Poll Details"])
    w.writerow(["#", "User Name", "User Email", "Submitted Date/Time", ""])
    used: set[str] = set()
    for i in range(1, rng.randint(15, 40) + 1):
        name = _name(rng, used)
        email = name.lower().replace(" ", ".") + "@example.org"
        when = start + dt.timedelta(minutes=21, seconds=7 * i)
        row = [i, name, email, when.strftime("%b %d, %Y %H:%M:%S")]
        for question, options in questions:
            row += [question, ";".join(_answers(rng, options, "choose" in question))]
        w.writerow(row)
    return f"zoom_poll_report_8{s.number:02d}12377604.csv", buf.getvalue().encode("utf-8")


def poll_google_forms(rng: random.Random, s: Session) -> tuple[str, bytes]:
    """Google Forms responses: Timestamp, Email Address, choice questions, one open question."""
    questions = rng.sample(POLL_QUESTIONS, 3)
    open_q = rng.choice(OPEN_QUESTIONS)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Timestamp", "Email Address", *(q for q, _ in questions), open_q])
    used: set[str] = set()
    start = dt.datetime.combine(s.date, dt.time(15, 41))
    for i in range(rng.randint(15, 40)):
        email = _name(rng, used).lower().replace(" ", ".") + "@example.net"
        when = start + dt.timedelta(seconds=13 * i + 7)
        row = [f"{when:%Y/%m/%d} {when:%-I:%M:%S %p} GMT+2", email]
        row += [", ".join(_answers(rng, opts, "choose" in q)) for q, opts in questions]
        row.append(rng.choice(OPEN_ANSWERS) if rng.random() < 0.7 else "")
        w.writerow(row)
    return (
        f"{s.code.replace(' #', '')} participant survey (Responses) - Form Responses 1.csv",
        buf.getvalue().encode(),
    )


def poll_counted(rng: random.Random, s: Session) -> tuple[str, bytes]:
    """Counted results as people copy them from Mentimeter or Slido: Question, Option, Votes."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Question", "Option", "Votes"])
    for question, options in rng.sample(POLL_QUESTIONS, 2):
        for option in options:
            w.writerow([question, option, rng.randint(0, 30)])
    return f"mentimeter-results-ws{s.number}.csv", buf.getvalue().encode("utf-8")


def session_files(rng: random.Random, s: Session) -> dict[str, bytes]:
    """Every file of one session folder, by relative path."""
    files = {"session.yaml": session_yaml(s).encode("utf-8")}
    for note in s.notes:
        suffix = note.filename.rsplit(".", 1)[1]
        if suffix == "md":
            data = note_markdown(note).encode("utf-8")
        elif suffix == "txt":
            data = note_text(note).encode("utf-8")
        else:
            data = note_docx(note, f"{s.code} - {note.group or 'session'} notes")
        files[f"notes/{note.filename}"] = data
    for export in (poll_zoom, poll_google_forms, poll_counted):
        name, data = export(rng, s)
        files[f"polls/{name}"] = data
    files["worksheet.xlsx"] = worksheet(rng, s)
    return files


WORKLOADS = {"session_report": ("session_report",), "all_documents": ALL_DOCUMENTS}
"""The bench's two workloads: the documents every session asks for."""


def generate(root: Path, n: int, seed: int = SEED, documents: Sequence[str] = ALL_DOCUMENTS) -> list[Path]:
    """Write ``n`` session folders under ``root`` (and remove stale ones); return them, sorted."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    folders = []
    for i in range(n):
        s = make_session(rng, 100 + i, documents)
        folder = root / s.id
        wanted = session_files(rng, s)
        for rel, data in wanted.items():
            write_if_changed(folder / rel, data)
        for stale in sorted(p for p in folder.rglob("*") if p.is_file()):
            if stale.relative_to(folder).as_posix() not in wanted:
                stale.unlink()
        folders.append(folder)
    keep = {f.name for f in folders}
    for old in root.iterdir():
        if old.is_dir() and old.name not in keep and (old / "session.yaml").is_file():
            for p in sorted(old.rglob("*"), reverse=True):
                p.unlink() if p.is_file() else p.rmdir()
            old.rmdir()
    return folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--sessions", type=int, default=60)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="all_documents")
    args = parser.parse_args(argv)
    folders = generate(args.root, args.sessions, args.seed, WORKLOADS[args.workload])
    print(f"{len(folders)} sessions in {args.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
