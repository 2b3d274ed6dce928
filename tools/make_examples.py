"""Write the binary files of the example session folders in ``inputs/``.

The text inputs (session.yaml, Markdown and plain-text notes, UTF-8 poll CSVs) are written by hand and
committed as they are. The files a person would produce with Word, LibreOffice, Excel, Microsoft Forms or
by saving a CSV from Excel on Windows are generated here, so that they stay small, reviewable and
reproducible:

    inputs/igf2023-ws537/notes/group1-onsite.docx         Word note: Heading 1/2, List Bullet, bold label
    inputs/igf2023-ws537/notes/group3-onsite.odt          LibreOffice note: outline headings, bullet lists
    inputs/igf2025-ws106/worksheet.xlsx                   organiser worksheet: Themes, Takeaways, Actions
    inputs/igf2025-ws515/polls/Encuesta WS515.xlsx        Microsoft Forms export (Spanish questions)
    inputs/igf2023-ws285/polls/mentimeter-results.csv     counted results, Windows-1252, CRLF

Run with the project's virtualenv:  .venv/bin/python tools/make_examples.py

The script is idempotent: every archive is written with fixed timestamps and document properties, and a
file is only rewritten when its bytes change.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ROOT / "inputs"

# Fixed timestamps keep the archives byte-identical from one run to the next: when each file was last
# saved by the person who made it.
WS537_NOTES_SAVED = dt.datetime(2023, 10, 10, 18, 30, 0)  # Kyoto, the evening after the workshop
WS106_WORKSHEET_SAVED = dt.datetime(2025, 6, 30, 9, 0, 0)
WS515_FORMS_EXPORTED = dt.datetime(2025, 6, 26, 13, 15, 0)


def write_if_changed(path: Path, data: bytes) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes() == data:
        return False
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def reproducible_zip(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite a zip archive (docx, xlsx, odt) with a fixed date on each entry, order and compression kept."""
    out = io.BytesIO()
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = info.compress_type
            entry.external_attr = 0o644 << 16
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps "modified" with the time of saving, whatever the workbook says.
                payload = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + when.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>",
                    payload,
                )
            elif info.filename == "meta.xml":
                # odfpy names itself and its version as generator; drop it so an upgrade changes nothing.
                payload = re.sub(rb"<meta:generator>[^<]*</meta:generator>", b"", payload)
            dst.writestr(entry, payload)
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# igf2023-ws537: Word note of breakout group 1 (onsite)
# --------------------------------------------------------------------------------------------------

GROUP1 = {
    "title": "WS #537 - Breakout group 1 notes",
    "meta": [
        "Rapporteur: Keiko Nakamura",
        "Group: Group 1 (onsite): Defining the stack",
        "Channel: onsite",
    ],
    "summary": [
        "Group 1 gathered nine onsite participants around the table in the workshop room, with Sarmad "
        "Hussain and Ram Mohan contributing from their experience with DNS registries and universal "
        "acceptance. The group took the first two sections planned for the outcome publication: how to "
        "define Internet infrastructure for an audience of engineers, and which types of technical "
        "operators the outreach campaign should address.",
        "The group agreed that the definition should be functional and layered rather than institutional. "
        "Engineers recognise themselves in what they do - moving, routing, naming, hosting and securing "
        "traffic - not in the names of the organisations that usually speak for the technical community "
        "at the IGF. A first list of operator profiles was drafted and handed to the online groups.",
    ],
    "themes": [
        {
            "title": "Definition of Internet infrastructure",
            "wsis": "WSIS alignment: C2 (Information and communication infrastructure), "
            "C6 (Enabling environment)",
            "narrative": [
                "Participants started from the 'tech stack' image used in the workshop introduction and "
                "described three layers: the physical layer (terrestrial and submarine cables, towers and "
                "spectrum, data centres, exchange points), the logical layer (IP addresses and autonomous "
                "system numbers, routing with BGP, the DNS from the root to resolvers, the protocols "
                "standardised at the IETF), and the service layer (hosting, cloud platforms, content "
                "delivery networks). Operational functions such as security operations and network "
                "automation run across all three.",
                "There was a short debate on whether applications and content belong in the definition. "
                "The group concluded that, for outreach purposes, the definition should stop at services "
                "that others depend on to deliver traffic, and should say so explicitly so that engineers "
                "do not assume the IGF is only about content moderation.",
            ],
            "takeaways": [
                "Define Internet infrastructure by function - moving, routing, naming, hosting and securing "
                "traffic - not only by the DNS and number resources.",
                "A layered picture (physical, logical, services) lets each operator find their place in it.",
                "The definition must use operators' own vocabulary and concrete examples instead of policy "
                "jargon.",
            ],
        },
        {
            "title": "Types of technical operators",
            "wsis": "WSIS alignment: C2 (Information and communication infrastructure), "
            "C4 (Capacity building)",
            "narrative": [
                "The group drafted the following profiles: data-centre and facilities engineers; access "
                "network and broadband engineers, including wireless ISPs and community networks; "
                "Internet exchange point operators; DNS registry, registrar and resolver operators; hosting "
                "and cloud system administrators; network security engineers in SOCs and CSIRTs; and "
                "automation and AI-focused network engineers. Ram Mohan stressed that the last group is "
                "growing fastest and is almost absent from the current AI policy debates, which connects "
                "directly to the first policy question of the workshop.",
                "Participants noted that each profile answers to a different employer and reads different "
                "mailing lists, so one generic invitation to 'the technical community' will not reach them.",
            ],
            "takeaways": [
                "At least seven distinct operator profiles should be addressed, each with its own message.",
                "AI and automation engineers are the least represented profile relative to the policy "
                "attention their field receives.",
                "Community networks and small ISPs need to be named explicitly so they do not assume the "
                "campaign is only for large companies.",
            ],
        },
    ],
    "actions": [
        "Adopt the layered, function-based definition of Internet infrastructure as the opening section of "
        "the recommendations publication.",
        "Publish a short profile for each type of technical operator, with the policy issues that affect "
        "their daily work.",
        "Invite AI and automation network engineers as speakers to IGF sessions on AI governance.",
        "Review the definition and profiles with the online groups and at one regional network operator "
        "group meeting before publication.",
    ],
    "conclusion": [
        "The group handed its draft definition and profile list to the moderators for the plenary "
        "report-back and asked that the online groups' additions be merged before the publication is "
        "drafted.",
    ],
}


def make_group1_docx() -> bytes:
    from docx import Document

    doc = Document()
    props = doc.core_properties
    props.author = "Keiko Nakamura"
    props.last_modified_by = "Keiko Nakamura"
    props.title = GROUP1["title"]
    props.created = WS537_NOTES_SAVED
    props.modified = WS537_NOTES_SAVED
    props.revision = 3
    props.comments = ""

    doc.add_paragraph(GROUP1["title"], style="Title")
    for line in GROUP1["meta"]:
        doc.add_paragraph(line)

    doc.add_heading("Executive summary", level=1)
    for text in GROUP1["summary"]:
        doc.add_paragraph(text)

    doc.add_heading("Key themes", level=1)
    for theme in GROUP1["themes"]:
        doc.add_heading(theme["title"], level=2)
        doc.add_paragraph(theme["wsis"])
        for text in theme["narrative"]:
            doc.add_paragraph(text)
        label = doc.add_paragraph()
        label.add_run("Key takeaways:").bold = True
        for text in theme["takeaways"]:
            doc.add_paragraph(text, style="List Bullet")

    doc.add_heading("Recommended actions", level=1)
    for text in GROUP1["actions"]:
        doc.add_paragraph(text, style="List Bullet")

    doc.add_heading("Conclusion", level=1)
    for text in GROUP1["conclusion"]:
        doc.add_paragraph(text)

    buf = io.BytesIO()
    doc.save(buf)
    return reproducible_zip(buf.getvalue(), WS537_NOTES_SAVED)


# --------------------------------------------------------------------------------------------------
# igf2023-ws537: LibreOffice note of breakout group 3 (onsite)
# --------------------------------------------------------------------------------------------------

GROUP3 = {
    "meta": [
        "Rapporteur: Haruto Sato",
        "Group: Group 3 (onsite): Where operators are needed",
        "Channel: onsite",
    ],
    "summary": [
        "Group 3 (onsite, eight participants, joined by mark svancarek) mapped the policy conversations "
        "that most need technical operators and the IGF venues where those conversations already happen. "
        "The group used the workshop's three policy questions as a starting point - AI in network "
        "administration, the role of operators in mitigating cyberattacks, and broadband capacity-building "
        "in developing countries - and found that in each case the people who would implement the outcome "
        "are rarely in the room.",
    ],
    "theme": {
        "title": "Best areas of engagement",
        "wsis": "WSIS alignment: C5 (Building confidence and security in the use of ICTs), "
        "C6 (Enabling environment), C11 (International and regional cooperation)",
        "narrative": [
            "On cybersecurity, participants agreed that network security technicians should be at the centre "
            "of discussions on DDoS mitigation, route hijacking, incident reporting and the role of "
            "operators in attack mitigation; the IGF Best Practice Forum on Cybersecurity and the dynamic "
            "coalitions were named as natural entry points. On AI, the group saw an urgent need for "
            "engineers who deploy machine-learning tools in network management to explain what those tools "
            "actually do before rules on automated decision-making are applied to them.",
            "On broadband capacity-building, participants from Asia and Africa said that projects designed "
            "without ISP technicians often fund equipment that cannot be maintained locally. National and "
            "regional IGF initiatives, the Policy Network on Meaningful Access and regional operator "
            "meetings were seen as the best places to bring implementation-level expertise into those plans. "
            "mark svancarek added that standards work on emerging technologies is another area where "
            "operators' early input prevents costly rework.",
        ],
        "takeaways_label": "Main takeaways:",
        "takeaways": [
            "Cybersecurity and attack mitigation is the area where operators' absence is most costly and "
            "where they are most willing to engage.",
            "AI governance discussions need engineers who run AI-driven network tools, not only AI "
            "researchers and policy experts.",
            "Broadband capacity-building plans should include local ISP technicians from the design stage.",
        ],
    },
    "actions": [
        "Map existing IGF tracks, best practice forums and dynamic coalitions to the operator profiles that "
        "should join them, and publish the map with the recommendations.",
        "Bring IGF sessions and speakers to the meetings of network operator groups instead of expecting "
        "operators to come to the IGF first.",
        "Ask the organisers of capacity-building projects discussed at the IGF to include ISP technicians "
        "from the beneficiary countries as speakers.",
    ],
}


def make_group3_odt() -> bytes:
    from odf import text
    from odf.opendocument import OpenDocumentText
    from odf.style import (
        ListLevelProperties,
        ParagraphProperties,
        Style,
        TextProperties,
    )
    from odf.text import ListLevelStyleBullet, ListStyle

    doc = OpenDocumentText()

    heading_styles = {}
    for level, size in ((1, "16pt"), (2, "13pt")):
        style = Style(
            name=f"Heading_20_{level}",
            displayname=f"Heading {level}",
            family="paragraph",
            defaultoutlinelevel=str(level),
        )
        style.addElement(ParagraphProperties(margintop="0.4cm", marginbottom="0.2cm"))
        style.addElement(TextProperties(fontsize=size, fontweight="bold"))
        doc.styles.addElement(style)
        heading_styles[level] = style

    strong = Style(name="T1", family="text")
    strong.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(strong)

    bullets = ListStyle(name="L1")
    level1 = ListLevelStyleBullet(level="1", bulletchar="•")
    level1.addElement(ListLevelProperties(spacebefore="0.6cm", minlabelwidth="0.6cm"))
    bullets.addElement(level1)
    doc.automaticstyles.addElement(bullets)

    def heading(title: str, level: int) -> None:
        doc.text.addElement(text.H(outlinelevel=level, stylename=heading_styles[level], text=title))

    def para(content: str) -> None:
        doc.text.addElement(text.P(text=content))

    def bullet_list(items: list[str]) -> None:
        lst = text.List(stylename=bullets)
        for item in items:
            li = text.ListItem()
            li.addElement(text.P(text=item))
            lst.addElement(li)
        doc.text.addElement(lst)

    for line in GROUP3["meta"]:
        para(line)
    heading("Executive summary", 1)
    for content in GROUP3["summary"]:
        para(content)

    theme = GROUP3["theme"]
    heading(theme["title"], 1)
    para(theme["wsis"])
    for content in theme["narrative"]:
        para(content)
    label = text.P()
    label.addElement(text.Span(stylename=strong, text=theme["takeaways_label"]))
    doc.text.addElement(label)
    bullet_list(theme["takeaways"])

    heading("Actions", 1)
    bullet_list(GROUP3["actions"])

    buf = io.BytesIO()
    doc.write(buf)
    return reproducible_zip(buf.getvalue(), WS537_NOTES_SAVED)


# --------------------------------------------------------------------------------------------------
# igf2025-ws106: the organisers' worksheet
# --------------------------------------------------------------------------------------------------

WS106_THEMES = [
    (
        "Understanding the Internet infrastructure ecosystem",
        "C2, C6",
        "A single web request passes through four or five unrelated providers (registry, registrar, DNS "
        "host, hosting or cloud provider, CDN). Each can act only on what it controls, which outside "
        "observers often mistake for avoidance of accountability.",
    ),
    (
        "Security & harmful activity mitigation in practice",
        "C5",
        "Operators already act against phishing, botnets and malware, but response capacity is uneven "
        "across regions and depends on modern infrastructure and institutional support.",
    ),
    (
        "Notification systems and process automation",
        "C5, C11",
        "Speakers discussed how abuse reports reach the party able to act, what evidence makes a report "
        "actionable, and where automation helps or harms. Trusted-notifier arrangements and shared report "
        "formats were raised as practical improvements.",
    ),
]

WS106_TAKEAWAYS = [
    (
        "Understanding the Internet infrastructure ecosystem",
        "Visibility and modernisation are urgently needed across all infrastructure layers.",
    ),
    (
        "Understanding the Internet infrastructure ecosystem",
        "Policy makers need a shared map of which provider can act on which kind of harm before "
        "responsibilities are assigned.",
    ),
    None,  # the organisers left a blank row here
    (
        "Security & harmful activity mitigation in practice",
        "Mitigating harmful activity is essential to maintain trust and security online.",
    ),
    (
        "Notification systems and process automation",
        "Abuse reports are actionable when they carry verifiable evidence and reach the provider that can "
        "act on them.",
    ),
    (
        "Notification systems and process automation",
        "Automation speeds up response but needs human review and an appeal path to avoid over-blocking.",
    ),
]

WS106_ACTIONS = [
    (
        "Build capacity in underserved regions so that security and infrastructure resilience are "
        "equitable everywhere.",
        "Governments; Regional Internet Registries; Technical Community",
        "C4, C5",
    ),
    (
        "Publish a common abuse-report format and a routing guide showing which infrastructure layer can "
        "act on which kind of harm.",
        "Secure Hosting Alliance; Internet Infrastructure Coalition; DNS operators; hosting providers",
        "C5, C11",
    ),
    (
        "Compile the session's findings into the practical study on responsible infrastructure practices "
        "and map it to the WSIS Action Lines for the WSIS+20 review.",
        "Session organisers; Secure Hosting Alliance",
        "C6, C10",
    ),
]


def make_ws106_worksheet() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.properties.creator = "Snead David"
    wb.properties.lastModifiedBy = "Christian Dawson"
    wb.properties.created = WS106_WORKSHEET_SAVED
    wb.properties.modified = WS106_WORKSHEET_SAVED

    def sheet(ws, header: tuple[str, ...], rows: list, widths: tuple[int, ...]) -> None:
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(list(row) if row else [])
        for col, width in zip("ABC", widths, strict=False):
            ws.column_dimensions[col].width = width
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"

    themes = wb.active
    themes.title = "Themes"
    sheet(themes, ("Theme", "WSIS action lines", "Summary"), WS106_THEMES, (48, 18, 90))
    sheet(wb.create_sheet("Takeaways"), ("Theme", "Takeaway"), WS106_TAKEAWAYS, (48, 90))
    sheet(wb.create_sheet("Actions"), ("Action", "Actors", "WSIS action lines"), WS106_ACTIONS, (80, 50, 18))

    buf = io.BytesIO()
    wb.save(buf)
    return reproducible_zip(buf.getvalue(), WS106_WORKSHEET_SAVED)


# --------------------------------------------------------------------------------------------------
# igf2025-ws515: Microsoft Forms export (Spanish)
# --------------------------------------------------------------------------------------------------

MSF_Q1 = "¿Qué protocolo debería priorizar su país en los próximos dos años?"
MSF_Q2 = "¿Quién debería liderar la adopción de estos protocolos? (puede elegir varias opciones)"
MSF_Q3 = "¿Cómo evalúa el nivel de adopción de estos protocolos en su país?"
MSF_Q4 = "¿Cuál es el principal obstáculo para desplegarlos en su organización?"

ISP = "Operadores de red e ISP"
GOV = "Gobiernos y reguladores"
REG = "Registros y registradores de dominios"
CLOUD = "Proveedores de nube y contenido"
TECH = "Comunidad técnica (IETF, RIR, NOG)"
CS = "Sociedad civil y academia"

# (email, name, minutes after 11:05 the form was opened, seconds taken, Q1, Q2 choices, Q3, Q4)
# fmt: off
MSF_ROWS = [
    ("c.rojas@example.cl", "Camila Rojas", 0, 94, "RPKI / validación de origen", [ISP, TECH], "Medio",
     "Los equipos de borde antiguos no soportan la validación de origen y no hay presupuesto para "
     "renovarlos."),
    ("anonymous", "", 1, 71, "IPv6", [ISP, GOV], "Bajo",
     "Falta de personal capacitado en IPv6 fuera de las capitales."),
    ("j.pereira@example.com.br", "João Pereira", 1, 120, "RPKI / validación de origen", [ISP, CLOUD, TECH],
     "Alto", ""),
    ("m.gonzalez@example.org.ar", "Martina González", 2, 88, "DNSSEC", [REG, ISP], "Medio",
     "Nuestro registrador no permite cargar registros DS desde el panel."),
    ("anonymous", "", 2, 65, "IPv6", [GOV, ISP], "Muy bajo",
     "Los proveedores mayoristas todavía no ofrecen tránsito IPv6 en nuestro país."),
    ("l.herrera@example.com.mx", "Luis Herrera", 3, 102, "TLS 1.3", [CLOUD, GOV], "Medio",
     "Aplicaciones heredadas en el sector público que solo funcionan con versiones antiguas de TLS."),
    ("s.baptiste@example.ht", "Stéphanie Baptiste", 3, 77, "IPv6", [ISP, TECH, CS], "Bajo",
     "Costo de los equipos y falta de demanda de los clientes."),
    ("anonymous", "", 4, 59, "MANRS (buenas prácticas de enrutamiento)", [ISP, TECH], "Medio", ""),
    ("o.grant@example.gov.uk", "Oliver Grant", 4, 133, "DNSSEC", [GOV, REG], "Alto",
     "Coordinar a muchos organismos públicos con dominios propios."),
    ("r.quispe@example.pe", "Rosa Quispe", 5, 91, "IPv6", [ISP, GOV, CS], "Bajo",
     "Las redes comunitarias dependen de proveedores que todavía no asignan IPv6."),
    ("anonymous", "", 5, 48, "RPKI / validación de origen", [ISP], "Medio",
     "Miedo a descartar rutas legítimas por errores en los ROA."),
    ("d.morales@example.com.uy", "Diego Morales", 6, 84, "TLS 1.3", [CLOUD, ISP, GOV], "Alto", ""),
]
# fmt: on


def make_ws515_msforms() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.properties.creator = "Microsoft Forms"
    wb.properties.created = WS515_FORMS_EXPORTED
    wb.properties.modified = WS515_FORMS_EXPORTED
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(
        [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Last modified time",
            MSF_Q1,
            MSF_Q2,
            MSF_Q3,
            MSF_Q4,
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    opened = dt.datetime(2025, 6, 26, 11, 5, 0)
    for number, (email, name, minute, seconds, q1, q2, q3, q4) in enumerate(MSF_ROWS, start=1):
        start = opened + dt.timedelta(minutes=minute, seconds=7 * number)
        done = start + dt.timedelta(seconds=seconds)
        # Microsoft Forms joins several choices with ";" and ends the list with one.
        ws.append([number, start, done, email, name, None, q1, "".join(c + ";" for c in q2), q3, q4 or None])
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = "m/d/yy h:mm:ss"
    for col, width in zip("ABCDEFGHIJ", (5, 17, 17, 30, 20, 17, 40, 50, 30, 60), strict=True):
        ws.column_dimensions[col].width = width

    buf = io.BytesIO()
    wb.save(buf)
    return reproducible_zip(buf.getvalue(), WS515_FORMS_EXPORTED)


# --------------------------------------------------------------------------------------------------
# igf2023-ws285: Mentimeter results copied into Excel and saved as CSV on Windows
# --------------------------------------------------------------------------------------------------

MENTI = [
    (
        "Should States take on positive duties to protect the public core?",
        [
            ("Yes, through binding commitments", 4),
            ("Yes, through voluntary norms and confidence-building measures", 17),
            ("Only by formally recognising multistakeholder bodies", 9),
            ("No – non-intervention is enough", 3),
        ],
    ),
    (
        "Which positive measure should come first?",
        [
            ("Sanctions exemptions for technical coordination", 11),
            ("“Public core impact assessment” for national laws", 14),
            ("Protection and rapid repair of submarine cables", 6),
            ("CERT-to-CERT cooperation on incidents hitting the core", 5),
        ],
    ),
    (
        "One word: what does the public core need most?",
        [
            ("trust", 12),
            ("multistakeholder", 6),
            ("legal clarity", 7),
            ("transparencia", 4),
            ("résilience", 3),
            ("coopération", 2),
            ("neutralité", 2),
            ("proteção", 1),
        ],
    ),
    (
        "Where should this work be taken next?",
        [
            ("Global Digital Compact", 13),
            ("OEWG on ICT security", 10),
            ("IGF & national/regional initiatives", 8),
            ("ICANN, RIR & IETF communities", 6),
        ],
    ),
]


def make_ws285_menti_csv() -> bytes:
    import csv

    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")  # Excel on Windows: CRLF, minimal quoting
    writer.writerow(["Question", "Option", "Votes"])
    for question, options in MENTI:
        for option, votes in options:
            writer.writerow([question, option, votes])
    return buf.getvalue().encode("cp1252")


# --------------------------------------------------------------------------------------------------

TARGETS = {
    "igf2023-ws537/notes/group1-onsite.docx": make_group1_docx,
    "igf2023-ws537/notes/group3-onsite.odt": make_group3_odt,
    "igf2025-ws106/worksheet.xlsx": make_ws106_worksheet,
    "igf2025-ws515/polls/Encuesta WS515.xlsx": make_ws515_msforms,
    "igf2023-ws285/polls/mentimeter-results.csv": make_ws285_menti_csv,
}


def main() -> int:
    for rel, make in TARGETS.items():
        path = INPUTS / rel
        changed = write_if_changed(path, make())
        print(f"{'wrote    ' if changed else 'unchanged'} {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
