"""The gazetteer: shipped facts, forgiving lookup, exact error sentences."""

from __future__ import annotations

import json
import unicodedata

import pytest

from overlay.errors import NamingError
from overlay.gazetteer import District, Gazetteer, Province, gazetteer, normalise_thai
from overlay.resources import data_dir

UTTARADIT_DISTRICTS = (
    ("เมืองอุตรดิตถ์", "Mueang Uttaradit"),
    ("ตรอน", "Tron"),
    ("ท่าปลา", "Tha Pla"),
    ("น้ำปาด", "Nam Pat"),
    ("ฟากท่า", "Fak Tha"),
    ("บ้านโคก", "Ban Khok"),
    ("พิชัย", "Phichai"),
    ("ลับแล", "Laplae"),
    ("ทองแสนขัน", "Thong Saen Khan"),
)
LIST_HINT_UTTARADIT = ("Run 'overlay presets' or 'overlay name --list --province อุตรดิตถ์' "
                       "to see the names.")


@pytest.fixture(scope="module")
def gz() -> Gazetteer:
    return gazetteer()


def _error(call, *args) -> NamingError:
    with pytest.raises(NamingError) as caught:
        call(*args)
    return caught.value


# --- the data ----------------------------------------------------------------------

def test_77_provinces_and_928_districts(gz):
    assert len(gz.provinces) == 77
    assert len({p.name_th for p in gz.provinces}) == 77
    assert sum(len(p.districts) for p in gz.provinces) == 928     # 878 amphoe + 50 khet


def test_data_file_is_nfc_stripped_and_sorted():
    raw = (data_dir() / "gazetteer.json").read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", raw) == raw
    rows = json.loads(raw)["provinces"]
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    for _code, name_th, _en, districts in rows:
        assert name_th == name_th.strip()
        assert [d[0] for d in districts] == sorted(d[0] for d in districts)
        assert all(d[1] == d[1].strip() and d[2] for d in districts)


def test_uttaradit_has_exactly_its_nine_districts(gz):
    province = gz.province("อุตรดิตถ์")
    assert province.name_en == "Uttaradit"
    assert tuple((d.name_th, d.name_en) for d in province.districts) == UTTARADIT_DISTRICTS


@pytest.mark.parametrize("name_th, count", [
    ("กรุงเทพมหานคร", 50), ("นครราชสีมา", 32), ("อุตรดิตถ์", 9), ("เชียงใหม่", 25),
    ("สมุทรสงคราม", 3), ("บึงกาฬ", 8),
])
def test_district_counts(gz, name_th, count):
    assert len(gz.province(name_th).districts) == count


@pytest.mark.parametrize("word", ["จังหวัด", "อำเภอ", "กิ่งอำเภอ", "เขต", "จ.", "อ."])
def test_no_stored_name_carries_a_level_word(gz, word):
    # Callers write "อำเภอ" + name_th; a stored prefix would double it.
    assert not any(p.name_th.startswith(word) for p in gz.provinces)
    assert not any(d.name_th.startswith(word) for p in gz.provinces for d in p.districts)


# --- provinces ---------------------------------------------------------------------

@pytest.mark.parametrize("typed, name_th", [
    ("อุตรดิตถ์", "อุตรดิตถ์"),
    ("จังหวัดอุตรดิตถ์", "อุตรดิตถ์"),
    ("จ.อุตรดิตถ์", "อุตรดิตถ์"),
    ("จ. อุตรดิตถ์", "อุตรดิตถ์"),
    ("  อุตรดิตถ์ ", "อุตรดิตถ์"),
    ("Uttaradit", "อุตรดิตถ์"),
    ("UTTARADIT", "อุตรดิตถ์"),
    ("Uttaradit Province", "อุตรดิตถ์"),
    ("Buriram", "บุรีรัมย์"),
    ("Buri Ram", "บุรีรัมย์"),
    ("Lopburi", "ลพบุรี"),
    ("phang nga", "พังงา"),
    ("Nakhon Si Thammarat", "นครศรีธรรมราช"),
    ("Bangkok", "กรุงเทพมหานคร"),
    ("กทม.", "กรุงเทพมหานคร"),
    ("กรุงเทพฯ", "กรุงเทพมหานคร"),
    ("Ayutthaya", "พระนครศรีอยุธยา"),
    ("โคราช", "นครราชสีมา"),
    ("อ่างทอง", "อ่างทอง"),        # begins with อ: not mistaken for the short form อ.
])
def test_province_lookup(gz, typed, name_th):
    assert gz.province(typed).name_th == name_th


@pytest.mark.parametrize("typed, hint", [
    ("อุดรดิตถ์", 'Did you mean "อุตรดิตถ์" (Uttaradit)?'),          # the letter's own typo
    ("จังหวัดอุดรดิตถ์", 'Did you mean "อุตรดิตถ์" (Uttaradit)?'),
    ("นาน", 'Did you mean "น่าน" (Nan)?'),                              # missing tone mark
    ("ร้อยเอ๊ด", 'Did you mean "ร้อยเอ็ด" (Roi Et)?'),                  # wrong mark
    ("พิศณุโลก", 'Did you mean "พิษณุโลก" (Phitsanulok)?'),             # ศ for ษ
    ("สุราษฏร์ธานี", 'Did you mean "สุราษฎร์ธานี" (Surat Thani)?'),     # ฏ for ฎ
    ("ศีรษะเกษ", 'Did you mean "ศรีสะเกษ" (Si Sa Ket)?'),               # the classic mix-up
    ("หนองบัวลำพู", 'Did you mean "หนองบัวลำภู" (Nong Bua Lam Phu)?'),
    ("เพชรบูรน์", 'Did you mean "เพชรบูรณ์" (Phetchabun)?'),
    ("กาฬสินธ์", 'Did you mean "กาฬสินธุ์" (Kalasin)?'),
    ("ประจวบคิรีขันธ์", 'Did you mean "ประจวบคีรีขันธ์" (Prachuap Khiri Khan)?'),
    ("Chiengmai", 'Did you mean "เชียงใหม่" (Chiang Mai)?'),
    ("Nakorn Sawan", 'Did you mean "นครสวรรค์" (Nakhon Sawan)?'),
    ("Pitsanulok", 'Did you mean "พิษณุโลก" (Phitsanulok)?'),
    ("Sa Kaew", 'Did you mean "สระแก้ว" (Sa Kaeo)?'),
])
def test_unknown_province_suggests(gz, typed, hint):
    error = _error(gz.province, typed)
    assert error.message == f'Unknown province "{typed}".'
    assert error.hint == hint


def test_unknown_province_far_from_everything(gz):
    error = _error(gz.province, "Atlantis")
    assert error.message == 'Unknown province "Atlantis".'
    assert error.hint == "Run 'overlay name --list' to see the province names."


def test_district_given_as_province(gz):
    error = _error(gz.province, "พิชัย")
    assert error.hint == '"พิชัย" is a district of จังหวัดอุตรดิตถ์, not a province.'


def test_typo_is_never_silently_accepted(gz):
    with pytest.raises(NamingError):
        gz.province("อุดรดิตถ์")
    assert gz.province("อุดรธานี").name_en == "Udon Thani"


# --- districts ---------------------------------------------------------------------

@pytest.mark.parametrize("name_th, name_en", UTTARADIT_DISTRICTS)
def test_every_uttaradit_district_by_thai_and_english(gz, name_th, name_en):
    expected = District(name_th, name_en)
    assert gz.district("อุตรดิตถ์", name_th) == expected
    assert gz.district("Uttaradit", name_en) == expected
    assert gz.district("อุตรดิตถ์", "อำเภอ" + name_th) == expected
    assert gz.district("อุตรดิตถ์", "อ." + name_th) == expected


@pytest.mark.parametrize("typed, name_th", [
    ("พิชัย", "พิชัย"),
    ("อำเภอพิชัย", "พิชัย"),
    ("อ.พิชัย", "พิชัย"),
    ("อ. พิชัย", "พิชัย"),
    ("อำเภอ อำเภอพิชัย", "พิชัย"),          # a pasted-twice prefix still means one
    ("phichai", "พิชัย"),
    ("Amphoe Phichai", "พิชัย"),
    ("Phichai District", "พิชัย"),
    ("Lap Lae", "ลับแล"),                   # source spells it "Laplae"
    ("Thong Saen-Khan", "ทองแสนขัน"),
    ("เมือง", "เมืองอุตรดิตถ์"),
    ("อ.เมือง", "เมืองอุตรดิตถ์"),
    ("อำเภอเมือง", "เมืองอุตรดิตถ์"),
    ("Mueang", "เมืองอุตรดิตถ์"),
    ("Muang", "เมืองอุตรดิตถ์"),
    ("muang uttaradit", "เมืองอุตรดิตถ์"),
    ("Amphoe Mueang", "เมืองอุตรดิตถ์"),
    ("เมืองอุตรดิตถ์", "เมืองอุตรดิตถ์"),
])
def test_district_lookup_in_uttaradit(gz, typed, name_th):
    assert gz.district("อุตรดิตถ์", typed).name_th == name_th


def test_district_accepts_a_province_object(gz):
    uttaradit = gz.province("อุตรดิตถ์")
    assert isinstance(uttaradit, Province)
    assert gz.district(uttaradit, "ลับแล") == District("ลับแล", "Laplae")


@pytest.mark.parametrize("province, typed, name_th", [
    ("เชียงใหม่", "เมือง", "เมืองเชียงใหม่"),
    ("ร้อยเอ็ด", "Mueang", "เมืองร้อยเอ็ด"),         # not เมืองสรวง, also in ร้อยเอ็ด
    ("พระนครศรีอยุธยา", "เมือง", "พระนครศรีอยุธยา"),   # the capital without "เมือง"
    ("Ayutthaya", "อ.เมืองอยุธยา", "พระนครศรีอยุธยา"),
    ("นครราชสีมา", "เมืองยาง", "เมืองยาง"),          # a real district named เมือง…
    ("นราธิวาส", "สุไหงโกลก", "สุไหงโก-ลก"),         # hyphen in the Thai name
    ("นราธิวาส", "Sungai Kolok", "สุไหงโก-ลก"),
    ("จ.ภูเก็ต", "อ.กะทู้", "กะทู้"),
])
def test_district_lookup_elsewhere(gz, province, typed, name_th):
    assert gz.district(province, typed).name_th == name_th


@pytest.mark.parametrize("typed, name_th", [
    ("พระนคร", "พระนคร"),
    ("เขตพระนคร", "พระนคร"),
    ("เขตบางรัก", "บางรัก"),
    ("Bang Rak", "บางรัก"),
    ("Bangrak District", "บางรัก"),
    ("Khet Bang Rak", "บางรัก"),
    ("ดอนเมือง", "ดอนเมือง"),
    ("เขตจอมทอง", "จอมทอง"),
])
def test_bangkok_khet(gz, typed, name_th):
    assert gz.district("กรุงเทพมหานคร", typed).name_th == name_th


def test_bangkok_has_no_mueang(gz):
    error = _error(gz.district, "กทม", "เมือง")
    assert error.message == 'กรุงเทพมหานคร has no district called "เมือง".'
    assert error.hint == ("Run 'overlay presets' or 'overlay name --list --province "
                          "กรุงเทพมหานคร' to see the names.")


@pytest.mark.parametrize("province, typed, message, hint", [
    ("อุตรดิตถ์", "พิไชย", '"พิไชย" is not a district of จังหวัดอุตรดิตถ์.',
     'Did you mean "พิชัย" (Phichai)?'),
    ("อุตรดิตถ์", "Phitchai", '"Phitchai" is not a district of จังหวัดอุตรดิตถ์.',
     'Did you mean "พิชัย" (Phichai)?'),
    ("อุตรดิตถ์", "ท้าปลา", '"ท้าปลา" is not a district of จังหวัดอุตรดิตถ์.',
     'Did you mean "ท่าปลา" (Tha Pla)?'),                                 # wrong tone mark
    ("อุตรดิตถ์", "ฟากทา", '"ฟากทา" is not a district of จังหวัดอุตรดิตถ์.',
     'Did you mean "ฟากท่า" (Fak Tha)?'),                                 # missing mark
    ("อุตรดิตถ์", "ทองแสนขัณ", '"ทองแสนขัณ" is not a district of จังหวัดอุตรดิตถ์.',
     'Did you mean "ทองแสนขัน" (Thong Saen Khan)?'),                      # ณ for น
    ("เชียงใหม่", "แมริม", '"แมริม" is not a district of จังหวัดเชียงใหม่.',
     'Did you mean "แม่ริม" (Mae Rim)?'),
    ("นครราชสีมา", "ปากซ่อง", '"ปากซ่อง" is not a district of จังหวัดนครราชสีมา.',
     'Did you mean "ปากช่อง" (Pak Chong)?'),                              # ซ for ช
    ("สงขลา", "หาดใหญ๋", '"หาดใหญ๋" is not a district of จังหวัดสงขลา.',
     'Did you mean "หาดใหญ่" (Hat Yai)?'),
    ("ภูเก็ต", "กระทู้", '"กระทู้" is not a district of จังหวัดภูเก็ต.',
     'Did you mean "กะทู้" (Kathu)?'),
    ("กรุงเทพมหานคร", "บางรัค", '"บางรัค" is not a district of กรุงเทพมหานคร.',
     'Did you mean "บางรัก" (Bang Rak)?'),
])
def test_unknown_district_suggests(gz, province, typed, message, hint):
    error = _error(gz.district, province, typed)
    assert (error.message, error.hint) == (message, hint)


@pytest.mark.parametrize("province, typed, hint", [
    ("พิษณุโลก", "พิชัย", '"พิชัย" is a district of จังหวัดอุตรดิตถ์.'),
    ("อุตรดิตถ์", "วังทอง", '"วังทอง" is a district of จังหวัดพิษณุโลก.'),
    ("อุตรดิตถ์", "อำเภอจอมทอง", '"อำเภอจอมทอง" is a district of กรุงเทพมหานคร, จังหวัดเชียงใหม่.'),
    ("อุตรดิตถ์", "เมืองพิษณุโลก", '"เมืองพิษณุโลก" is a district of จังหวัดพิษณุโลก.'),
    ("อุตรดิตถ์", "พิษณุโลก", '"พิษณุโลก" is a province, not a district.'),
    ("อุตรดิตถ์", "zzz", LIST_HINT_UTTARADIT),
])
def test_district_of_another_province(gz, province, typed, hint):
    error = _error(gz.district, province, typed)
    assert error.message.startswith(f'"{typed}" is not a district of ')
    assert error.hint == hint


def test_district_typo_close_only_in_another_province(gz):
    error = _error(gz.district, "อุตรดิตถ์", "วังทอก")
    assert error.hint == 'Did you mean "วังทอง" (Wang Thong) in จังหวัดพิษณุโลก?'


def test_romanised_name_shared_by_two_districts_is_refused(gz):
    error = _error(gz.district, "Ayutthaya", "Bang Sai")
    assert error.message == '"Bang Sai" matches more than one district of จังหวัดพระนครศรีอยุธยา.'
    assert error.hint == 'Use the Thai name: "บางไทร" (Bang Sai) or "บางซ้าย" (Bang Sai).'
    assert gz.district("Ayutthaya", "บางซ้าย").name_th == "บางซ้าย"


def test_unknown_province_in_district_lookup(gz):
    error = _error(gz.district, "อุดรดิตถ์", "พิชัย")
    assert error.message == 'Unknown province "อุดรดิตถ์".'


@pytest.mark.parametrize("typed, provinces", [
    ("พิชัย", ["อุตรดิตถ์"]),
    ("อำเภอพิชัย", ["อุตรดิตถ์"]),
    ("Phichai", ["อุตรดิตถ์"]),
    ("จอมทอง", ["กรุงเทพมหานคร", "เชียงใหม่"]),
    ("เฉลิมพระเกียรติ", ["สระบุรี", "นครราชสีมา", "บุรีรัมย์", "น่าน", "นครศรีธรรมราช"]),
    ("Bang Sai", ["พระนครศรีอยุธยา"]),
    ("พิไชย", []),
    ("เมือง", []),                          # every province has one: no answer is useful
])
def test_provinces_of_district(gz, typed, provinces):
    assert [p.name_th for p in gz.provinces_of_district(typed)] == provinces


# --- Unicode -----------------------------------------------------------------------

DECOMPOSED_NAM_PAT = "น\u0e4d\u0e49\u0e32ปาด"       # nikhahit + mai tho + sara aa
TONE_AFTER_AM_NAM_PAT = "น\u0e33\u0e49ปาด"          # sara am typed before the tone mark


@pytest.mark.parametrize("typed, expected", [
    ("น้ำปาด", "น้ำปาด"),
    (DECOMPOSED_NAM_PAT, "น้ำปาด"),
    ("น\u0e4d\u0e32", "นำ"),
    (TONE_AFTER_AM_NAM_PAT, "น้ำปาด"),
    ("ลับ\u200bแล", "ลับแล"),
    ("\ufeffลับแล\u200d", "ลับแล"),
    ("พิ\u200cชัย", "พิชัย"),
    ("  อำเภอ   พิชัย \n", "อำเภอ พิชัย"),
    ("อำเภอ\u00a0พิชัย", "อำเภอ พิชัย"),
    ("กุ\u0e48ง", "กุ่ง"),                            # NFC puts sara u before the tone mark
])
def test_normalise_thai(typed, expected):
    assert normalise_thai(typed) == expected


def test_normalise_thai_is_nfc():
    text = normalise_thai("ก\u0e48\u0e38")                # tone mark typed before sara u
    assert text == "ก\u0e38\u0e48" == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize("province, typed, name_th", [
    ("อุตรดิตถ์", DECOMPOSED_NAM_PAT, "น้ำปาด"),
    ("อุตรดิตถ์", TONE_AFTER_AM_NAM_PAT, "น้ำปาด"),
    ("อุตรดิตถ์", "ลับแล\u200b", "ลับแล"),
    ("อุตรดิตถ์\u200b", "\u200bพิชัย", "พิชัย"),
    ("หนองบัวล\u0e4d\u0e32ภู", "เมือง", "เมืองหนองบัวลำภู"),
    ("อ\u0e4d\u0e32นาจเจริญ", "เมือง", "เมืองอำนาจเจริญ"),
])
def test_lookup_through_unicode_variants(gz, province, typed, name_th):
    assert gz.district(province, typed).name_th == name_th


def test_error_shows_the_typed_name_cleaned(gz):
    error = _error(gz.province, "อุดร\u200bดิตถ์")
    assert error.message == 'Unknown province "อุดรดิตถ์".'


def test_gazetteer_is_loaded_once():
    assert gazetteer() is gazetteer()
