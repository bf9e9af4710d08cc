"""The keys of the data standards, computed by the database (the one place they live): erp.name_key,
erp.phone_key and erp.normalise_code, with properties checked by hypothesis and a list of real-looking company
names with the duplicate pairs a clerk would expect."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from server_db.core.db import Database

PROPERTIES = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True
)


@pytest.fixture
def keys(db: Database) -> Iterator[Any]:
    """One connection; `keys(function, values)` returns the function of each value, in one round trip."""
    with db.engine.connect() as connection:

        def compute(function: str, values: list[str]) -> list[str | None]:
            rows = connection.execute(
                text(
                    f"SELECT erp.{function}(v) FROM unnest(CAST(:values AS text[])) WITH ORDINALITY x(v, n) ORDER BY n"
                ),
                {"values": values},
            )
            return [row[0] for row in rows]

        yield compute


def full_width(value: str) -> str:
    """The full-width form a Chinese input method types: ASCII letters, digits and signs, and the space."""
    return "".join("\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in value)


# -- the name key ----------------------------------------------------------------------------------------

# Each group holds names of one company as clerks write them; different groups are different companies.
COMPANIES: dict[str, list[str]] = {
    "huaxin": [
        "上海华信电子有限公司",
        "上海华信电子股份有限公司",
        "上海华信电子（有限公司）",
        "上海华信电子 有限公司",
        "上海华信电子有限责任公司",
        "上海华信电子公司",
    ],
    "huaxin-en": [
        "Huaxin Electronics Co., Ltd.",
        "HUAXIN ELECTRONICS LTD",
        "Huaxin Electronics Co Ltd",
        "huaxin electronics",
    ],
    "huaxin-china": ["华信电子（中国）有限公司", "华信电子(中国)有限公司"],
    "huaxin-group": ["华信集团", "华信集团有限公司", "华信集团公司"],
    "hualian": ["北京华联商贸有限公司", "北京华联商贸股份有限公司", "北京 华联 商贸"],
    "hualian-tj": ["天津华联商贸有限公司"],
    "ningbo-bearing": ["宁波精密轴承厂", "宁波精密轴承有限公司", "宁波精密轴承"],
    "ningbo-bearing-tech": ["宁波精密轴承科技有限公司"],
    "haier": ["青岛海尔股份有限公司", "青岛海尔"],
    "haier-ac": ["青岛海尔空调器有限总公司"],
    "siemens": ["Siemens AG", "SIEMENS AG", "Siemens"],
    "siemens-cn": ["Siemens Ltd., China", "Siemens Ltd China"],
    "acme": ["ACME Corporation", "Acme Corp.", "Acme, Inc.", "ACME INC", "Acme LLC", "Acme Company"],
    "acme-tools": ["Acme Tools GmbH", "ACME TOOLS"],
    "costco": ["Costco Wholesale", "COSTCO WHOLESALE CORP"],
    "cost": ["Cost Wholesale"],
    "bosch": ["Robert Bosch GmbH", "ROBERT BOSCH"],
    "sz-precision": ["深圳市精工精密机械厂", "深圳市精工精密机械有限公司"],
    "gz-precision": ["广州市精工精密机械有限公司"],
}


def test_company_names_group_as_a_clerk_expects(keys: Any) -> None:
    names = [(group, name) for group, members in COMPANIES.items() for name in members]
    assert len(names) >= 40
    computed = dict(zip([name for _, name in names], keys("name_key", [name for _, name in names]), strict=True))
    for group, members in COMPANIES.items():
        assert len({computed[name] for name in members}) == 1, (group, {name: computed[name] for name in members})
    by_group = {group: computed[members[0]] for group, members in COMPANIES.items()}
    assert len(set(by_group.values())) == len(by_group), by_group


CJK_CORE = st.text(alphabet="华信电子上海北京宁波精密机械贸易科技天津青岛海尔空调0123456789", min_size=2, max_size=12)
ENGLISH_CORE = st.lists(
    st.sampled_from(["huaxin", "electronics", "precision", "trading", "ningbo", "bearing", "acme", "tools", "global"]),
    min_size=1,
    max_size=4,
).map(" ".join)
FORMS = st.sampled_from(
    [
        "有限公司",
        "股份有限公司",
        "有限责任公司",
        "（有限公司）",
        "公司",
        "集团",
        "厂",
        " Co., Ltd.",
        " LTD",
        " Inc.",
        " Corp",
        " LLC",
        " GmbH",
    ]
)


@PROPERTIES
@given(core=st.one_of(CJK_CORE, ENGLISH_CORE), form=FORMS)
def test_a_company_form_keeps_the_key(keys: Any, core: str, form: str) -> None:
    plain, with_form = keys("name_key", [core, core + form])
    assert plain == with_form


@PROPERTIES
@given(name=st.one_of(st.text(max_size=30), CJK_CORE, ENGLISH_CORE))
def test_full_width_and_case_keep_the_key(keys: Any, name: str) -> None:
    assume("\x00" not in name)
    plain, wide, upper = keys("name_key", [name, full_width(name), name.upper()])
    assert plain == wide
    if name.isascii():
        assert plain == upper


@PROPERTIES
@given(name=st.text(max_size=40))
def test_the_name_key_is_idempotent(keys: Any, name: str) -> None:
    assume("\x00" not in name)
    (key,) = keys("name_key", [name])
    assert keys("name_key", [key]) == [key]


# -- the phone key ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phones", "key"),
    [
        (["13812345678", "138 1234 5678", "+86 138-1234-5678", "0086 13812345678", "8613812345678"], "13812345678"),
        (
            ["021-5080 1234", "+86 21 5080 1234", "(021) 50801234", "021-50801234 转 88", "0086-21-5080-1234"],
            "02150801234",
        ),
        (["400-810-8888", "+86 400 810 8888"], "4008108888"),
        (["+49 30 1234 5678", "0049 30 1234 5678"], None),
    ],
)
def test_phone_keys(keys: Any, phones: list[str], key: str | None) -> None:
    computed = keys("phone_key", phones)
    assert len(set(computed)) == 1, dict(zip(phones, computed, strict=True))
    if key is not None:
        assert computed[0] == key
    assert keys("phone_key", ["", "12", "call me"]) == [None, None, None]


MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
LANDLINES = st.from_regex(r"0[1-9][0-9]{1,2}[2-8][0-9]{6,7}", fullmatch=True)
SEPARATORS = st.sampled_from(["", " ", "-", "  ", "."])


@PROPERTIES
@given(number=st.one_of(MOBILES, LANDLINES), data=st.data())
def test_formatting_and_the_country_code_keep_the_phone_key(keys: Any, number: str, data: st.DataObject) -> None:
    spaced = "".join(ch + data.draw(SEPARATORS) for ch in number).strip(" -.")
    prefix = data.draw(st.sampled_from(["+86 ", "0086-", "+86"]))
    international = prefix + (number[1:] if number.startswith("0") else number)
    plain, formatted, abroad, wide = keys("phone_key", [number, spaced, international, full_width(spaced)])
    assert plain == formatted == abroad == wide == number


@PROPERTIES
@given(phone=st.text(alphabet="0123456789 +-()#转xext", max_size=24))
def test_the_phone_key_is_idempotent(keys: Any, phone: str) -> None:
    (key,) = keys("phone_key", [phone])
    if key is not None:
        assert keys("phone_key", [key]) == [key]


# -- codes -----------------------------------------------------------------------------------------------


@PROPERTIES
@given(code=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,20}", fullmatch=True), pad=st.sampled_from(["", " ", "  \t"]))
def test_a_code_typed_any_way_is_stored_one_way(keys: Any, code: str, pad: str) -> None:
    typed = [code, code.lower(), pad + code.upper() + pad, full_width(code), pad + full_width(code.lower())]
    assert set(keys("normalise_code", typed)) == {code.upper()}


@PROPERTIES
@given(code=st.text(max_size=20))
def test_normalise_code_is_idempotent(keys: Any, code: str) -> None:
    assume("\x00" not in code)
    (once,) = keys("normalise_code", [code])
    assert keys("normalise_code", [once]) == [once]
