"""Grouping leads by a field's value, as the lead filters match values."""

from easycrm.leads.stats import Group, group_counts, summarize


def test_spellings_of_one_value_are_one_group_labelled_by_the_commonest():
    grouping = group_counts(["Webinar", "webinar", "WEBINAR", "webinar", " Webinar ", "Trade Show"])
    assert [(group.value, group.count) for group in grouping.groups] == [("Webinar", 5), ("Trade Show", 1)]


def test_accents_and_inner_spaces_fold_like_the_filters():
    grouping = group_counts(["Société  Générale", "societe generale", "Société Générale"])
    assert [(group.value, group.count) for group in grouping.groups] == [("Société Générale", 3)]


def test_largest_first_and_ties_in_alphabetical_order_whatever_the_input_order():
    values = ["b", "C", "a", "c", "B", "A", "d"]
    for ordering in (values, list(reversed(values))):
        grouping = group_counts(ordering)
        assert [(group.value.lower(), group.count) for group in grouping.groups] == [
            ("a", 2),
            ("b", 2),
            ("c", 2),
            ("d", 1),
        ]


def test_tied_spellings_pick_the_same_label_whatever_the_order():
    assert group_counts(["acme", "ACME"]).groups == group_counts(["ACME", "acme"]).groups == [Group("ACME", 2)]


def test_top_keeps_the_largest_groups_and_counts_the_rest_as_other_and_blank_apart():
    grouping = group_counts(["x", "x", "x", "y", "y", "z", "", None, "  ", "\u0301"], top=2)
    assert grouping.groups == [Group("x", 3), Group("y", 2)]
    assert grouping.other == 1
    assert grouping.blank == 4  # "", None, spaces, and a lone accent that folds to nothing
    assert grouping.to_dict() == {
        "groups": [{"value": "x", "count": 3}, {"value": "y", "count": 2}],
        "other": 1,
        "blank": 4,
    }


def test_summarize_counts_each_field_over_the_same_leads():
    leads = [
        {"source": "Webinar", "industry": "Software", "company": "Acme"},
        {"source": "webinar", "company": "Globex"},
        {"industry": "Retail"},
    ]
    summary = summarize(leads, top=1)
    assert summary["total"] == 3
    assert summary["bySource"] == {"groups": [{"value": "Webinar", "count": 2}], "other": 0, "blank": 1}
    assert summary["byIndustry"] == {"groups": [{"value": "Retail", "count": 1}], "other": 1, "blank": 1}
    assert summary["byCompany"]["groups"] == [{"value": "Acme", "count": 1}]
    assert summarize([]) == {
        "total": 0,
        "bySource": {"groups": [], "other": 0, "blank": 0},
        "byIndustry": {"groups": [], "other": 0, "blank": 0},
        "byCompany": {"groups": [], "other": 0, "blank": 0},
    }
