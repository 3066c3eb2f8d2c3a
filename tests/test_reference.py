"""The reference and the JSON Schemas come from the schema itself, so they cannot drift."""

import json

from conftest import ROOT
from sim.cli import main
from sim.reference import json_schemas, reference_markdown


def test_reference_is_current():
    assert (ROOT / "docs" / "reference.md").read_text() == reference_markdown(), (
        "docs/reference.md is stale: run `reesim schema --reference docs/reference.md`")


def test_reference_lists_every_key_with_units():
    text = reference_markdown()
    for key in ("`t_per_day` | none or number | t/day", "`horizon_days`", "`lead_time_days`", "`quota_t_per_year`",
                "`price_usd_per_kg` | number | USD/kg", "`replications`", "`keep_t`"):
        assert key in text, key


def test_schema_command_writes_json_schemas(tmp_path, capsys):
    assert main(["schema", "--out", str(tmp_path)]) == 0
    for name in json_schemas():
        schema = json.loads((tmp_path / name).read_text())
        assert schema["type"] == "object" and "properties" in schema
    assert "facilities" in json.loads((tmp_path / "scenario.schema.json").read_text())["properties"]


def test_every_key_has_a_meaning():
    rows = [line for line in (ROOT / "docs" / "reference.md").read_text().splitlines() if line.startswith("| `")]
    assert len(rows) > 300
    blank = [row.split("|")[1].strip() for row in rows if not row.rstrip().rstrip("|").rsplit("|", 1)[-1].strip()]
    assert not blank, f"keys without a meaning in docs/reference.md: {', '.join(blank)}"
