"""WSIS action lines and IGF groups, matched from what people write."""

import pytest

from outcomes import catalog


@pytest.mark.parametrize(
    ("text", "codes", "unknown"),
    [
        ("C2 (Information and Communication Infrastructure), C6 (Enabling Environment)", ["C2", "C6"], []),
        (
            "C3 (Access to Information), C8 (Cultural Diversity), C10 (Ethical Dimensions)",
            ["C3", "C8", "C10"],
            [],
        ),
        ("С5 and С11", ["C5", "C11"], []),  # Cyrillic Es
        ("c 1; c11", ["C1", "C11"], []),
        ("Enabling environment, e-health", ["C6", "C7.4"], []),
        ("C7.1 (E-government)", ["C7.1"], []),
        ("C12, Space travel", [], ["C12", "Space travel"]),
        ("C10, C2, C2", ["C2", "C10"], []),
    ],
)
def test_parse_action_lines(text, codes, unknown):
    assert catalog.parse_action_lines(text) == (codes, unknown)


def test_every_action_line_and_c7_subline_is_in_the_catalog():
    codes = [line.code for line in catalog.action_lines()]
    assert codes[:6] == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert [c for c in codes if c.startswith("C7.")] == [f"C7.{i}" for i in range(1, 9)]
    assert codes[-4:] == ["C8", "C9", "C10", "C11"]


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("WEOG", "Western European and Others Group (WEOG)"),
        ("western european and others group (weog)", "Western European and Others Group (WEOG)"),
        ("GRULAC", "Latin American and Caribbean Group (GRULAC)"),
        ("Asia-Pacific", "Asia-Pacific Group"),
        ("asia pacific group", "Asia-Pacific Group"),
        ("Intergovernmental Organization", "Intergovernmental Organization"),
        ("Narnia", None),
    ],
)
def test_match_region(value, label):
    assert catalog.match_region(value) == label


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("civil society", "Civil Society"),
        ("Technical Community", "Technical Community"),
        ("private sector", "Private Sector"),
        ("Intergovernmental Organisation", "Intergovernmental Organization"),
        ("Academia and unicorns", None),
    ],
)
def test_match_stakeholder(value, label):
    assert catalog.match_stakeholder(value) == label
