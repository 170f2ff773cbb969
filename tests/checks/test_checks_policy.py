"""Dated policy files: selection by as-of date, validation naming file, key and date."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
import yaml

from checks.policy import OUTSIDE_ASSESSMENT, SCHEMA, PolicyError, load_policy, policy_document, policy_path


def write_variant(tmp_path, change, program="model_unit"):
    doc = policy_document(program)
    change(doc)
    path = tmp_path / f"{program}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("program", ["model_unit", "seven_day_return"])
def test_the_shipped_policy_gives_every_value_a_date_and_a_source(program):
    policy = load_policy(program)
    assert policy.id == program
    files = (policy_path(program), policy_path(program).with_name("common.yaml"))
    assert policy.sha256 == hashlib.sha256(b"\0".join(f.read_bytes() for f in files)).hexdigest()
    assert set(policy.parameters) <= set(SCHEMA)
    for param in policy.parameters.values():
        assert all(v.source and v.effective_from for v in param.values)


@pytest.mark.parametrize(
    ("program", "pass_mark", "vetoes"),
    [
        ("model_unit", 85, ["V1", "V2", "V3", "V4", "V5", "V6", "V8"]),
        ("seven_day_return", 80, ["V1", "V2", "V3", "V5", "V6", "V7", "V8", "V9"]),
    ],
)
def test_the_default_policy_matches_domain_md(program, pass_mark, vetoes):
    p = load_policy(program).at(dt.date(2026, 6, 30))
    assert (p["pass_mark"], p["vetoes.enabled"]) == (pass_mark, vetoes)
    block = {
        "compliance": p["compliance.penalties.max_points"] + p["compliance.abnormal_history.points"],
        "complaints": p["complaints.reconciliation.max_points"] + p["complaints.closed_within.max_points"],
        "mechanisms": 5 * p["mechanisms.points_each"],
        "longevity": p["longevity.max_points"],
    }
    assert block == {"compliance": 35, "complaints": 35, "mechanisms": 20, "longevity": 10}
    assert p["complaints.reconciliation.reference_rate"] == 0.9278
    assert (p["penalties.lower_fine_natural_person_yuan"], p["penalties.lower_fine_organisation_yuan"]) == (
        10_000,
        100_000,
    )
    assert (p["lifecycle.announcement_working_days"], p["lifecycle.validity_years"]) == (5, 2)


def test_order_121_day_counts_are_marked_unverified_from_their_date():
    policy = load_policy("model_unit")
    assert "handling.acceptance_working_days" not in policy.at(dt.date(2026, 4, 14)).unverified
    after = policy.at(dt.date(2026, 4, 15))
    assert {"handling.acceptance_working_days", "handling.mediation_working_days"} <= after.unverified
    assert (
        after["handling.acceptance_working_days"],
        after["handling.mediation_working_days"],
        after["handling.blacklist_days"],
    ) == (7, 45, 14)


def test_values_outside_the_assessment_do_not_move_its_effective_date():
    policy = load_policy("model_unit")
    assert "handling.acceptance_working_days" in OUTSIDE_ASSESSMENT
    assert policy.at(dt.date(2026, 6, 30)).effective_from == dt.date(2023, 1, 1)


def test_values_are_chosen_by_the_as_of_date_never_the_latest(tmp_path):
    def newer(doc):
        doc["parameters"]["pass_mark"]["values"].append(
            {"effective_from": dt.date(2027, 1, 1), "value": 90, "source": "draft notice"}
        )

    policy = load_policy(write_variant(tmp_path, newer))
    assert policy.value("pass_mark", dt.date(2026, 12, 31)) == 85
    assert policy.value("pass_mark", dt.date(2027, 1, 1)) == 90
    assert policy.at(dt.date(2026, 12, 31)).effective_from == dt.date(2023, 1, 1)
    assert policy.at(dt.date(2027, 1, 1)).effective_from == dt.date(2027, 1, 1)


def test_an_as_of_date_before_any_value_names_the_parameter_programme_and_date():
    with pytest.raises(PolicyError, match=re.escape("parameter 'pass_mark' not found for model_unit as of 2022-12-31")):
        load_policy("model_unit").value("pass_mark", dt.date(2022, 12, 31))
    with pytest.raises(
        PolicyError, match=r"parameter '[a-z_.]+' not found for model_unit as of 2022-12-31 \(.*model_unit.yaml"
    ):
        load_policy("model_unit").at(dt.date(2022, 12, 31))


def test_an_unknown_parameter_name_is_named():
    with pytest.raises(
        PolicyError, match=re.escape("parameter 'compliance.penalty_points' not found for model_unit as of 2026-01-01")
    ):
        load_policy("model_unit").value("compliance.penalty_points", dt.date(2026, 1, 1))


BAD_FILES = [
    pytest.param(
        lambda d: d["parameters"]["pass_mark"]["values"][0].update(value="high"),
        r"model_unit.yaml: parameter 'pass_mark' effective 2023-01-01: .*got 'high'",
        id="a value of the wrong type names the file, parameter and date",
    ),
    pytest.param(
        lambda d: d["parameters"]["pass_mark"]["values"][0].pop("source"),
        r"model_unit.yaml: parameter 'pass_mark': values.0.source: Field required",
        id="a value without a source is refused",
    ),
    pytest.param(
        lambda d: d["parameters"]["pass_mark"]["values"].append(
            {"effective_from": dt.date(2022, 1, 1), "value": 80, "source": "x"}
        ),
        r"parameter 'pass_mark': values: .*effective_from dates must increase",
        id="dates that do not increase are refused",
    ),
    pytest.param(
        lambda d: d["parameters"]["compliance"].update(
            penalty_points={
                "description": "x",
                "values": [{"effective_from": dt.date(2023, 1, 1), "value": 10, "source": "x"}],
            }
        ),
        r"parameter 'compliance.penalty_points' is not a known parameter",
        id="an unknown parameter in the file is refused",
    ),
    pytest.param(
        lambda d: d["parameters"]["vetoes"]["enabled"]["values"][0].update(value=["V1", "V10"]),
        r"parameter 'vetoes.enabled' effective 2023-01-01: unknown veto 'V10'",
        id="an unknown veto id is refused",
    ),
    pytest.param(
        lambda d: d.pop("title_zh"),
        r"model_unit.yaml: title_zh: Field required",
        id="a file without its Chinese title is refused",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_FILES)
def test_a_bad_policy_file_is_refused_naming_what_is_wrong(tmp_path, change, message):
    with pytest.raises(PolicyError, match=message):
        load_policy(write_variant(tmp_path, change))


def test_a_missing_policy_file_is_named(tmp_path):
    with pytest.raises(PolicyError, match=r"policy file .*nope.yaml: cannot read"):
        load_policy(tmp_path / "nope.yaml")


def test_a_required_parameter_missing_on_the_date_is_named(tmp_path):
    path = write_variant(tmp_path, lambda d: d["parameters"]["longevity"].pop("max_points"))
    with pytest.raises(
        PolicyError, match=re.escape("parameter 'longevity.max_points' not found for model_unit as of 2026-06-30")
    ):
        load_policy(path).at(dt.date(2026, 6, 30))


def _write(path, doc):
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("program", ["model_unit", "seven_day_return"])
def test_a_programme_file_holds_only_what_differs_from_the_shared_values(program):
    own = yaml.safe_load(policy_path(program).read_text(encoding="utf-8"))
    shared = yaml.safe_load(policy_path(program).with_name("common.yaml").read_text(encoding="utf-8"))
    assert own["extends"] == "common.yaml"
    # the letter's text and the inspection checklist are the programme's; a seven-day-return store
    # deducts nothing for a refused mystery-shop return (V9 vetoes it)
    assert set(own["parameters"]) == {"pass_mark", "vetoes", "commitment_letter", "inspection"} | (
        {"field"} if program == "seven_day_return" else set()
    )
    assert not set(own["parameters"]["vetoes"]) & set(shared["parameters"]["vetoes"])
    assert "commitment_letter" not in shared["parameters"]
    policy = load_policy(program)
    assert policy.origins["pass_mark"] == policy_path(program)
    assert policy.origins["longevity.max_points"] == policy_path(program).with_name("common.yaml")


@pytest.mark.parametrize("program", ["model_unit", "seven_day_return"])
def test_the_merged_document_is_a_standalone_policy_with_the_same_values(tmp_path, program):
    doc = policy_document(program)
    assert "extends" not in doc
    standalone = load_policy(_write(tmp_path / f"{program}.yaml", doc))
    for day in (dt.date(2023, 6, 1), dt.date(2026, 6, 30)):
        assert standalone.at(day).values == load_policy(program).at(day).values
        assert standalone.at(day).values_sha256 == load_policy(program).at(day).values_sha256


def test_a_programme_value_replaces_the_shared_one_and_a_change_to_either_file_changes_the_hash(tmp_path):
    common = policy_path("model_unit").with_name("common.yaml")
    shared = _write(tmp_path / "common.yaml", yaml.safe_load(common.read_text(encoding="utf-8")))
    own = yaml.safe_load(policy_path("model_unit").read_text(encoding="utf-8"))
    own["parameters"]["longevity"] = {
        "max_points": {
            "description": "cap",
            "values": [{"effective_from": dt.date(2023, 1, 1), "value": 8, "source": "draft notice"}],
        }
    }
    path = _write(tmp_path / "model_unit.yaml", own)
    policy = load_policy(path)
    assert policy.value("longevity.max_points", dt.date(2026, 6, 30)) == 8
    assert policy.value("longevity.points_per_year", dt.date(2026, 6, 30)) == 2
    shared.write_text(shared.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    assert load_policy(path).sha256 != policy.sha256


def test_a_bad_key_in_the_shared_file_names_that_file(tmp_path):
    doc = yaml.safe_load(policy_path("model_unit").with_name("common.yaml").read_text(encoding="utf-8"))
    doc["parameters"]["longevity"]["max_points"]["values"][0]["value"] = "ten"
    _write(tmp_path / "common.yaml", doc)
    (tmp_path / "model_unit.yaml").write_bytes(policy_path("model_unit").read_bytes())
    message = r"common.yaml: parameter 'longevity.max_points' effective 2023-01-01: .*got 'ten'"
    with pytest.raises(PolicyError, match=message):
        load_policy(tmp_path / "model_unit.yaml")
    doc["parameters"]["longevity"]["max_points"]["values"][0]["value"] = 10
    doc["title_zh"] = "x"
    _write(tmp_path / "common.yaml", doc)
    with pytest.raises(PolicyError, match=r"common.yaml: title_zh: Extra inputs are not permitted"):
        load_policy(tmp_path / "model_unit.yaml")


@pytest.mark.parametrize("program", ["model_unit", "seven_day_return"])
def test_each_inspection_checklist_item_names_its_source_and_a_broken_checklist_is_refused(program, tmp_path):
    items = load_policy(program).at(dt.date(2026, 6, 30))["inspection.checklist"]
    assert items and all(i["source"] and isinstance(i["veto"], bool) for i in items)
    assert any("DB42/T 1846-2022" in i["source"] or "Hubei 2020" in i["source"] for i in items)
    assert all(
        ("DB42/T 1846-2022" in i["source"]) or ("Hubei 2020" in i["source"]) or ("assumption" in i["source"])
        for i in items
    )
    doc = policy_document(program)
    doc["parameters"]["inspection"]["checklist"]["values"][0]["value"].append(dict(items[0]))
    with pytest.raises(PolicyError, match="appears twice"):
        load_policy(_write(tmp_path / "twice.yaml", doc))
