"""Numbers, units and durations: finding, normalising and comparing them."""

from __future__ import annotations

import pytest

from rag.consistency.quantities import compatible, find_quantities, words_to_number


def one(text: str):
    found = find_quantities(text)
    assert len(found) == 1, [q.text for q in found]
    return found[0]


@pytest.mark.parametrize("words, value", [
    ("two thousand", 2000), ("forty-five", 45), ("twelve hundred", 1200), ("a dozen", 12),
    ("one hundred and twenty", 120), ("six", 6), ("two million", 2_000_000),
])
def test_words_to_number(words, value):
    assert words_to_number(words) == value


def test_words_to_number_rejects_other_words():
    assert words_to_number("several") is None


@pytest.mark.parametrize("text, days", [
    ("Implementation takes six weeks.", 42), ("We go live in a month.", 30),
    ("Setup takes 30 days.", 30), ("a 45-day rollout", 45), ("in two quarters", 182),
    ("within a couple of weeks", 14), ("It took 2 years.", 730),
])
def test_durations_normalise_to_days(text, days):
    q = one(text)
    assert (q.kind, q.unit, q.value) == ("duration", "days", days)


@pytest.mark.parametrize("text, value, kind, unit, qualifier", [
    ("More than 1,200 finance teams use it.", 1200, "count", "finance teams", "over"),
    ("We have 1,250+ customers.", 1250, "count", "customers", "over"),
    ("Over two thousand customers", 2000, "count", "customers", "over"),
    ("1.2k customers", 1200, "count", "customers", "exact"),
    ("99.99% uptime", 99.99, "percent", "%", "exact"),
    ("about 70 percent", 70, "percent", "%", "approx"),
    ("up to 40% fewer errors", 40, "percent", "%", "max"),
    ("Pricing starts at $1,500 per month.", 1500, "money", "USD/month", "min"),
    ("$18,000 a year", 1500, "money", "USD/month", "exact"),
    ("from €99/user/month", 99, "money", "EUR/user/month", "min"),
    ("$15 per invoice", 15, "money", "USD/invoice", "exact"),
    ("$49 per tech per month", 49, "money", "USD/technician/month", "exact"),
    ("4x faster", 4, "multiple", "x", "exact"),
    ("Founded in 2017", 2017, "year", "2017", "exact"),
])
def test_quantities_are_normalised(text, value, kind, unit, qualifier):
    q = one(text)
    assert (q.value, q.kind, q.unit, q.qualifier) == (pytest.approx(value), kind, unit, qualifier)


def test_ranges_keep_both_ends():
    q = one("Implementation takes 30-45 days.")
    assert (q.value, q.high) == (30, 45)
    q = one("between 2 and 4 weeks")
    assert (q.value, q.high) == (14, 28)


@pytest.mark.parametrize("text", [
    "Call us at (303) 555-0100 or +1 303 555 0199.",
    "On March 3 we shipped v2.1.",
    "We are SOC 2 Type 2 and ISO 27001 certified with 24/7 support.",
    "Meet at 10:30 am.", "Rated 4.8/5 stars.", "See footnote [1] and page 4.",
    "three of our customers said so", "one customer told us", "2024-03-01",
])
def test_non_claims_are_not_quantities(text):
    assert find_quantities(text) == []


def test_a_date_gives_only_its_year():
    assert [(q.kind, q.value) for q in find_quantities("On March 3, 2024 we shipped v2.1.")] == \
        [("year", 2024)]


def test_rates_are_not_durations():
    assert [q.kind for q in find_quantities("We process 10,000 invoices a day.")] == ["count"]
    assert find_quantities("how many invoices they process a month") == []


def test_changes_are_marked_as_deltas():
    assert one("Close the month four days faster.").delta
    assert one("Customers cut costs by 70%.").delta
    assert not one("Close takes eleven working days.").delta


def test_count_stops_at_a_second_noun_phrase():
    q = find_quantities("We have over two thousand customers and very high retention.")[0]
    assert q.text == "over two thousand customers"


FACTS = {
    "uptime": "Vantora Ledger has a 99.9% uptime SLA.",
    "customers": "More than 1,200 finance teams use Vantora.",
    "implementation": "Implementation takes 30 days on average.",
    "price": "Pricing starts at $1,500 per month.",
    "close": "Finance teams close the month four days faster.",
    "accuracy": "Invoice data capture is 98% accurate.",
}


@pytest.mark.parametrize("fact, claim, expected", [
    ("uptime", "We guarantee 99.5% uptime.", False),
    ("uptime", "We run at 99.99% uptime.", False),
    ("uptime", "99.9% uptime, every month.", True),
    ("customers", "1,250+ customers", True),
    ("customers", "over 2,000 customers", False),
    ("customers", "800 customers", False),
    ("customers", "nearly 1,200 customers", True),
    ("implementation", "six weeks", False),
    ("implementation", "live in a month", True),
    ("implementation", "four weeks", True),
    ("implementation", "30-45 days", True),
    ("implementation", "within 30 days", True),
    ("price", "starts at $1,200 per month", False),
    ("price", "$2,500 per month for the Enterprise plan", True),
    ("price", "$18,000 a year", True),
    ("price", "$15 per invoice", None),
    ("close", "five days faster", False),
    ("close", "eleven working days", None),
    ("accuracy", "99% accurate", False),
])
def test_compatible(fact, claim, expected):
    f = find_quantities(FACTS[fact])[0]
    c = find_quantities(claim)[0]
    assert compatible(c, f) is expected


def test_different_kinds_cannot_be_compared():
    assert compatible(one("99.9% of customers"), one("1,200 customers")) is None


def test_an_exact_copy_keeps_every_field_but_the_qualifier():
    from rag.consistency.quantities import _exact

    [faster] = [q for q in find_quantities("Go live four days faster, from $39 a month.")
                if q.kind == "duration"]
    assert faster.delta
    exact = _exact(faster)
    assert exact.qualifier == "exact" and exact.delta
    assert (exact.value, exact.unit, exact.text) == (faster.value, faster.unit, faster.text)


def test_a_counted_noun_ends_at_a_stop_word_of_the_text_kernel():
    units = [[(q.value, q.unit) for q in find_quantities(s)] for s in (
        "Close connections after 10 seconds of inactivity so the pool stays small.",
        "Last year 25,000 people still die of hunger daily.",
        "In a pilot with 500 of our own carrier invoices, capture was 98% accurate.")]
    assert units == [[(10.0, "seconds of inactivity")], [(25000.0, "people")],
                     [(500.0, "of our own carrier invoices"), (98.0, "%")]]
