"""Readers of the official sanctions lists: small lists written in each format, hostile input."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
from pathlib import Path

import pytest

from o2c.adapters import sanctions
from o2c.adapters.sanctions import (
    SanctionsFormatError,
    country_code,
    read_eu_fsf,
    read_ofac_sdn,
    read_ofac_sdn_csv,
    read_ofsi_csv,
    read_sanctions_list,
    read_un_consolidated,
)
from o2c.cash_application.screening import EntryKind, SanctionsScreen
from o2c.errors import O2CError

# The EU consolidated financial sanctions file, XML 1.1 (element and attribute names as in the
# published file; entries invented).
EU_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<export xmlns="http://eu.europa.ec/fpi/fsd/export"
        generationDate="2026-11-30T18:12:31.112+01:00" globalFileId="171703">
  <sanctionEntity designationDetails="" unitedNationId="" euReferenceNumber="EU.27.28"
                  logicalId="13">
    <remark>Invented for the tests.</remark>
    <regulation regulationType="regulation" organisationType="council"
                publicationDate="2014-03-17" entryIntoForceDate="2014-03-17"
                numberTitle="269/2014 (OJ L78)" programme="UKR" logicalId="348">
      <publicationUrl>http://eur-lex.europa.eu/</publicationUrl>
    </regulation>
    <subjectType code="person" classificationCode="P"/>
    <nameAlias firstName="Ivan" middleName="Petrovich" lastName="Sidorov"
               wholeName="Ivan Petrovich SIDOROV" function="" gender="M" title=""
               nameLanguage="" strong="true" regulationLanguage="en" logicalId="17"/>
    <nameAlias firstName="" middleName="" lastName="" wholeName="Иван Петрович Сидоров"
               nameLanguage="RU" strong="true" logicalId="18"/>
    <citizenship region="" countryIso2Code="RU" countryDescription="RUSSIAN FEDERATION"/>
    <birthdate birthdate="1960-02-01" countryIso2Code="00" countryDescription="UNKNOWN"/>
  </sanctionEntity>
  <sanctionEntity euReferenceNumber="" logicalId="9001">
    <regulation programme="BLR"/>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="Minsk Trading Holding OAO" strong="true"/>
    <nameAlias firstName="" lastName="MTH" wholeName="" strong="false"/>
    <address city="Minsk" countryIso2Code="BY" countryDescription="BELARUS"/>
  </sanctionEntity>
</export>
"""

# OFAC's sdn.xml (namespace of the 2024+ service; elements as published).
OFAC_XML = """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">
  <publshInformation>
    <Publish_Date>11/28/2026</Publish_Date>
    <Record_Count>2</Record_Count>
  </publshInformation>
  <sdnEntry>
    <uid>36</uid>
    <lastName>AEROCARIBE TRADING</lastName>
    <sdnType>Entity</sdnType>
    <programList><program>CUBA</program></programList>
    <akaList>
      <aka><uid>12</uid><type>a.k.a.</type><category>strong</category>
        <lastName>AERO-CARIBE</lastName></aka>
    </akaList>
    <addressList><address><uid>25</uid><city>Havana</city><country>Cuba</country></address>
    </addressList>
  </sdnEntry>
  <sdnEntry>
    <uid>7800</uid>
    <firstName>Dmitri</firstName>
    <lastName>KOVALENKO</lastName>
    <sdnType>Individual</sdnType>
    <programList><program>RUSSIA-EO14024</program><program>UKRAINE-EO13660</program>
    </programList>
    <akaList><aka><uid>1</uid><type>a.k.a.</type><category>strong</category>
      <firstName>Dmitry Ivanovich</firstName><lastName>KOVALENKO</lastName></aka></akaList>
    <nationalityList><nationality><uid>2</uid><country>Russia</country>
      <mainEntry>true</mainEntry></nationality></nationalityList>
  </sdnEntry>
</sdnList>
"""

# OFAC's CSV files: sdn.csv, alt.csv, add.csv (no header, "-0- " for empty, a final SUB).
OFAC_SDN_CSV = (
    '36,"AEROCARIBE TRADING","-0- ","CUBA","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ",'
    '"-0- ","-0- "\r\n'
    '7800,"KOVALENKO, Dmitri","individual","RUSSIA-EO14024] [UKRAINE-EO13660","-0- ","-0- ",'
    '"-0- ","-0- ","-0- ","-0- ","-0- ","DOB 01 Feb 1960."\r\n'
    "\x1a"
)
OFAC_ALT_CSV = '36,12,"aka","AERO-CARIBE","-0- "\r\n7800,1,"aka","KOVALENKO, Dmitry","-0- "\r\n'
OFAC_ADD_CSV = '36,25,"-0- ","Havana","Cuba","-0- "\r\n99,1,"-0- ","Paris","France","-0- "\r\n'

# The UN Security Council consolidated list.
UN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:noNamespaceSchemaLocation="https://scsanctions.un.org/resources/xml/sc-sanctions.xsd"
    dateGenerated="2026-11-29T23:00:05.475Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>6908555</DATAID>
      <VERSIONNUM>1</VERSIONNUM>
      <FIRST_NAME>HASSAN</FIRST_NAME>
      <SECOND_NAME>ABDULLAH</SECOND_NAME>
      <THIRD_NAME>AL-KARIM</THIRD_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      <REFERENCE_NUMBER>QDi.901</REFERENCE_NUMBER>
      <LISTED_ON>2011-05-20</LISTED_ON>
      <NAME_ORIGINAL_SCRIPT>حسن عبد الله الكريم</NAME_ORIGINAL_SCRIPT>
      <NATIONALITY><VALUE>Syrian Arab Republic</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Abu Karim</ALIAS_NAME>
      </INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ADDRESS><COUNTRY>Iraq</COUNTRY></INDIVIDUAL_ADDRESS>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>6908600</DATAID>
      <FIRST_NAME>KOREA KUMSAN TRADING CORPORATION</FIRST_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <REFERENCE_NUMBER>KPe.099</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>KUMSAN TRADING</ALIAS_NAME>
      </ENTITY_ALIAS>
      <ENTITY_ADDRESS><COUNTRY>Democratic People's Republic of Korea</COUNTRY>
      </ENTITY_ADDRESS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""

# UK OFSI ConList.csv (2022-2026 layout): a date line, the header, one row per name.
OFSI_HEADER = (
    "Name 6,Name 1,Name 2,Name 3,Name 4,Name 5,Title,Name Non-Latin Script,"
    "Non-Latin Script Type,Non-Latin Script Language,DOB,Town of Birth,Country of Birth,"
    "Nationality,Passport Number,Passport Details,National Identification Number,"
    "National Identification Details,Position,Address 1,Address 2,Address 3,Address 4,"
    "Address 5,Address 6,Post/Zip Code,Country,Other Information,Group Type,Alias Type,"
    "Alias Quality,Regime,Listed On,UK Sanctions List Date Designated,Last Updated,Group ID"
)


def _ofsi_row(**cols: str) -> str:
    return ",".join(f'"{cols.get(c, "")}"' for c in OFSI_HEADER.split(","))


OFSI_CSV = "\r\n".join(
    [
        "Last Updated,28/11/2026",
        OFSI_HEADER,
        _ofsi_row(**{"Name 6": "SIDOROV", "Name 1": "Ivan", "Name 2": "Petrovich",
                     "Name Non-Latin Script": "Сидоров Иван Петрович", "Nationality": "Russia",
                     "Group Type": "Individual", "Alias Type": "Primary name",
                     "Regime": "Russia", "Group ID": "14233",
                     "Other Information": "(UK Sanctions List Ref):RUS0001, invented"}),
        _ofsi_row(**{"Name 6": "SIDOROFF", "Name 1": "Iwan", "Group Type": "Individual",
                     "Alias Type": "AKA", "Regime": "Russia", "Group ID": "14233"}),
        _ofsi_row(**{"Name 6": "NORTHERN STAR SHIPPING LTD", "Country": "Russia",
                     "Group Type": "Entity", "Regime": "Russia", "Group ID": "15001"}),
        "",
    ]
)  # fmt: skip

# The UK Sanctions List CSV that replaced ConList.csv in 2026.
UKSL_CSV = (
    "Report Date: 13-Feb-2026\n"
    "Last Updated,Unique ID,OFSI Group ID,UN Reference Number,Name 6,Name 1,Name 2,Name 3,"
    "Name 4,Name 5,Name type,Alias strength,Title,Name non-latin script,Non-latin script type,"
    "Non-latin script language,Regime Name,Designation Type,Address Country,"
    "Nationality(/ies),Individual, Entity, Ship\n"
    "10/02/2026,RUS3064,15500,,PJSC Northern Oil Company,,,,,,Primary Name,,,,,,"
    "The Russia (Sanctions) (EU Exit) Regulations 2019,Asset freeze,Russia,,Entity\n"
    "10/02/2026,RUS3064,15500,,NORTHOIL,,,,,,Primary Name Variation,,,,,,"
    "The Russia (Sanctions) (EU Exit) Regulations 2019,Asset freeze,,,Entity\n"
)


# --- each format -----------------------------------------------------------------------------


def test_eu_fsf() -> None:
    eu = read_eu_fsf(EU_XML)
    assert (eu.name, eu.version, eu.published) == ("EU FSF", "171703", dt.date(2026, 11, 30))
    person, company = eu.entries
    assert person.entry_id == "EU.27.28"
    assert person.names == ("Ivan Petrovich SIDOROV", "Иван Петрович Сидоров")
    assert person.countries == {"RU"}  # "00" is unknown
    assert person.kind is EntryKind.PERSON
    assert person.programmes == ("UKR",)
    assert company.entry_id == "9001"  # no reference number: the logical id
    assert company.names == ("Minsk Trading Holding OAO", "MTH")
    assert company.countries == {"BY"}
    assert company.kind is EntryKind.ORGANISATION


def test_ofac_sdn_xml() -> None:
    sdn = read_ofac_sdn(OFAC_XML.encode())
    assert (sdn.name, sdn.version, sdn.published) == (
        "OFAC SDN",
        "11/28/2026",
        dt.date(2026, 11, 28),
    )
    entity, person = sdn.entries
    assert (entity.entry_id, entity.kind, entity.countries) == (
        "36",
        EntryKind.ORGANISATION,
        {"CU"},
    )
    assert entity.names == ("AEROCARIBE TRADING", "AERO-CARIBE")
    assert person.names == ("Dmitri KOVALENKO", "Dmitry Ivanovich KOVALENKO")
    assert person.countries == {"RU"}
    assert person.programmes == ("RUSSIA-EO14024", "UKRAINE-EO13660")


def test_ofac_sdn_csv() -> None:
    sdn = read_ofac_sdn_csv(
        OFAC_SDN_CSV.encode("latin-1"),
        alt=OFAC_ALT_CSV.encode("latin-1"),
        add=OFAC_ADD_CSV.encode("latin-1"),
        version="28 Nov 2026",
        published=dt.date(2026, 11, 28),
    )
    assert (sdn.version, sdn.published) == ("28 Nov 2026", dt.date(2026, 11, 28))
    entity, person = sdn.entries
    assert entity.names == ("AEROCARIBE TRADING", "AERO-CARIBE")
    assert entity.countries == {"CU"}
    assert person.kind is EntryKind.PERSON
    assert person.names == ("KOVALENKO Dmitri", "KOVALENKO Dmitry")
    assert person.programmes == ("RUSSIA-EO14024", "UKRAINE-EO13660")


def test_un_consolidated() -> None:
    un = read_un_consolidated(UN_XML)
    assert (un.version, un.published) == ("2026-11-29T23:00:05.475Z", dt.date(2026, 11, 29))
    person, entity = un.entries
    assert person.entry_id == "QDi.901"
    assert person.names == ("HASSAN ABDULLAH AL-KARIM", "حسن عبد الله الكريم", "Abu Karim")
    assert person.countries == {"SY", "IQ"}
    assert person.programmes == ("Al-Qaida",)
    assert entity.kind is EntryKind.ORGANISATION
    assert entity.countries == {"KP"}
    assert entity.names == ("KOREA KUMSAN TRADING CORPORATION", "KUMSAN TRADING")


def test_ofsi_conlist_csv_groups_rows_by_group_id() -> None:
    uk = read_ofsi_csv(OFSI_CSV.encode("utf-8-sig"))
    assert (uk.version, uk.published) == ("28/11/2026", dt.date(2026, 11, 28))
    person, ship = uk.entries
    assert person.entry_id == "14233"
    assert person.names == ("Ivan Petrovich SIDOROV", "Сидоров Иван Петрович", "Iwan SIDOROFF")
    assert (person.kind, person.countries) == (EntryKind.PERSON, {"RU"})
    assert ship.names == ("NORTHERN STAR SHIPPING LTD",)
    assert ship.kind is EntryKind.ORGANISATION


def test_uk_sanctions_list_csv() -> None:
    uk = read_ofsi_csv(UKSL_CSV)
    assert uk.published == dt.date(2026, 2, 13)
    (entry,) = uk.entries
    assert entry.entry_id == "RUS3064"
    assert entry.names == ("PJSC Northern Oil Company", "NORTHOIL")
    assert entry.countries == {"RU"}


@pytest.mark.parametrize(
    ("content", "name"),
    [(EU_XML, "EU FSF"), (OFAC_XML, "OFAC SDN"), (UN_XML, "UN consolidated list"),
     (OFSI_CSV, "UK OFSI"), (UKSL_CSV, "UK OFSI")],
)  # fmt: skip
def test_the_format_is_told_by_the_first_bytes(content: str, name: str, tmp_path: Path) -> None:
    path = tmp_path / "list"
    path.write_text(content, encoding="utf-8")
    assert read_sanctions_list(path).name == name
    assert read_sanctions_list(io.BytesIO(content.encode())).name == name


def test_a_list_read_screens_payers() -> None:
    screen = SanctionsScreen.build(
        [read_eu_fsf(EU_XML), read_ofac_sdn(OFAC_XML), read_un_consolidated(UN_XML)]
    )
    hit = screen.screen_name("SIDOROV IVAN", country="RU")
    assert hit == ()  # two of three words: not the listed name
    (hit,) = screen.screen_name("Sidorov Ivan Petrovich", country="RU")
    assert (hit.list_name, hit.list_version, hit.entry_id, hit.same_country) == (
        "EU FSF",
        "171703",
        "EU.27.28",
        True,
    )
    assert [h.entry_id for h in screen.screen_name("Kumsan Trading Corp")] == ["KPe.099"]


def test_country_names() -> None:
    assert country_code("Democratic People's Republic of Korea") == "KP"
    assert country_code("Iran (Islamic Republic of)") == "IR"
    assert country_code("Türkiye") == "TR"
    assert country_code("UK") == "GB"
    assert country_code("Atlantis") == ""
    assert country_code("ZZ") == ""


# --- hostile input ----------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<export><sanctionEntity logicalId="1"><nameAlias wholeName="&lol2;"/></sanctionEntity></export>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE export [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<export><sanctionEntity logicalId="1"><nameAlias wholeName="&x;"/></sanctionEntity></export>"""


@pytest.mark.parametrize(
    ("reader", "content", "message"),
    [
        (read_eu_fsf, BILLION_LAUGHS, "document type"),
        (read_eu_fsf, EXTERNAL, "document type"),
        (read_eu_fsf, "<export><sanctionEntity>", "not well-formed"),
        (read_eu_fsf, OFAC_XML, "not a EU FSF file"),
        (read_ofac_sdn, EU_XML, "not a OFAC SDN file"),
        (read_un_consolidated, ("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>A"
         "</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"), "without an id"),
        (read_eu_fsf, "<export>" + "<a>" * 40 + "</a>" * 40 + "</export>", "nested"),
        (read_eu_fsf, b"\xff\xfe<\x00", "XML"),
        (read_ofsi_csv, "Name,Other\nA,B\n", "not an OFSI list"),
        (read_ofsi_csv, "Last Updated,1/1/2026\nName 6,Name 1\nA,B\n", "no 'Unique ID'"),
        (read_ofsi_csv, "Last Updated,1/1/2026\nName 6,Group ID\nA,\n", "without its id"),
        (read_ofsi_csv, b"Last Updated,1/1/2026\nName 6,Group ID\n\xff\xfe,1\n", "utf-8"),
        (read_ofsi_csv, 'Name 6,Group ID\n"' + "x" * 200_000 + '",1\n', "CSV row"),
        (read_ofac_sdn_csv, "Name,Type\nA,B\n", "entry number"),
        (read_sanctions_list, "<other/>", "none of"),
        (read_sanctions_list, "hello", "not a sanctions list"),
    ],
)  # fmt: skip
def test_hostile_input_raises_one_clear_error(
    reader: object, content: str | bytes, message: str
) -> None:
    with pytest.raises(SanctionsFormatError, match=message) as info:
        reader(content)  # type: ignore[operator]
    assert isinstance(info.value, O2CError)
    assert isinstance(info.value, ValueError)
    assert info.value.location


def test_size_and_entry_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sanctions, "MAX_ENTRIES", 1)
    with pytest.raises(SanctionsFormatError, match="more than 1 entries"):
        read_eu_fsf(EU_XML)
    with pytest.raises(SanctionsFormatError, match="more than 1 entries"):
        read_ofsi_csv(OFSI_CSV)
    monkeypatch.setattr(sanctions, "MAX_ENTRIES", 10)
    monkeypatch.setattr(sanctions, "MAX_BYTES", 1000)
    with pytest.raises(SanctionsFormatError, match="larger than 1000 bytes"):
        read_eu_fsf(EU_XML)
    with pytest.raises(SanctionsFormatError, match="larger than 1000 bytes"):
        read_ofsi_csv(OFSI_CSV)
    monkeypatch.setattr(sanctions, "MAX_BYTES", 10**6)
    monkeypatch.setattr(sanctions, "MAX_NAMES_PER_ENTRY", 1)
    with pytest.raises(SanctionsFormatError, match="names for one entry"):
        read_eu_fsf(EU_XML)


def test_a_source_that_is_no_file_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"pathlib\.Path"):
        read_eu_fsf(42)  # type: ignore[arg-type]


def test_entries_are_dropped_once_read(tmp_path: Path) -> None:
    # 3,000 entries with a 2 kB remark each (6 MB): reading keeps the entries, not the tree
    remark = "r" * 2000
    body = "".join(
        f'<sanctionEntity logicalId="{i}"><remark>{remark}</remark>'
        f'<nameAlias wholeName="Name Number {i}"/></sanctionEntity>'
        for i in range(3000)
    )
    path = tmp_path / "big.xml"
    path.write_text(f'<export globalFileId="1">{body}</export>', encoding="utf-8")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        eu = read_eu_fsf(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(eu.entries) == 3000
    assert peak < size / 3, (peak, size)
