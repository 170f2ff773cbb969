"""Inspection checklists as the tests expect them, written out (not read from the policies)."""

MODEL_UNIT_ITEMS = (  # the model unit's checklist in force (checks/policies/model_unit.yaml)
    "commitment_displayed",
    "price_marked",
    "supplier_ledger",
    "first_inquiry_rule",
    "advance_compensation_rule",
    "complaint_ledger",
    "staff_know_rules",
)
STORE_ITEMS = ("return_rules_displayed", "return_record_book", "sample_return", "commitment_displayed", "price_marked")
ITEMS = {"model_unit": MODEL_UNIT_ITEMS, "seven_day_return": STORE_ITEMS}
