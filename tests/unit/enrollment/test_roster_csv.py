import pytest

from asn_enrollment.domain.roster_csv import BadRow, RosterFileError, parse_roster_csv

from .strategies import TODAY

HEADER = "nip,name,unit_id,bidang,position,position_type,rank,supervisor_nip"
HEAD = "197701202002042001"
A = "198504122010011001"
B = "199005152014032012"
C = "198811022012121005"
D = "199912312021061003"


def problems(row: BadRow) -> list[str | None]:
    return [p.column for p in row.problems]


MIXED = "\n".join(
    [
        HEADER,  # line 1
        f"{HEAD},Ayu Hidayati,disdukcapil,administrasi_kependudukan,Kepala Dinas,struktural,IV/d,",
        f"{A},Budi Santoso,disdukcapil,administrasi_kependudukan,Operator,pelaksana,II/c,{HEAD}",
        f"198502302010011001,Eko Wibowo,disdukcapil,administrasi_kependudukan,Operator,pelaksana,II/c,{HEAD}",
        f"{B},Siti Aminah,disdukcapil,administrasi_kependudukan,Operator,pelaksana,III/e,{HEAD}",
        f"{A},Budi Santoso Lagi,disdukcapil,administrasi_kependudukan,Operator,pelaksana,II/c,{HEAD}",
        "",  # line 7: blank, skipped but counted
        f"{C},Dewi Lestari,disdukcapil,administrasi_kependudukan,Operator,pelaksana",
        f"{C},,disdukcapil,perikanan,Operator,pelaksana,II/c,{HEAD}",
        f"{B},Siti Aminah,disdukcapil,administrasi_kependudukan,Operator,pelaksana,II/b,{B}",
        f'{D},"Lestari, Dewi",disdukcapil,administrasi_kependudukan,Operator,pelaksana,ii/a,{HEAD}',
    ]
)


def test_good_rows_import_and_bad_rows_are_reported_with_line_and_column() -> None:
    result = parse_roster_csv(MIXED, today=TODAY)

    assert [p.nip for p in result.good] == [HEAD, A, D]
    assert result.good[2].name == "Lestari, Dewi"
    assert result.good[2].rank == "II/a"
    assert result.good[0].supervisor_nip is None

    bad = {row.line: row for row in result.bad}
    assert sorted(bad) == [4, 5, 6, 8, 9, 10]
    assert problems(bad[4]) == ["nip"]
    assert "tanggal lahir tidak valid" in bad[4].problems[0].reason
    assert problems(bad[5]) == ["rank"]
    assert problems(bad[6]) == ["nip"]
    assert bad[6].problems[0].reason == (
        "NIP duplikat, sudah ada di baris 3 (duplicate NIP, already on line 3)"
    )
    assert problems(bad[8]) == [None]
    assert "jumlah kolom 6, seharusnya 8" in bad[8].problems[0].reason
    # line 9: two problems in one row, in column order
    assert problems(bad[9]) == ["name", "bidang"]
    assert problems(bad[10]) == [
        "nip",
        "supervisor_nip",
    ]  # B again (line 5), and self as supervisor
    assert "baris 5" in bad[10].problems[0].reason
    assert "atasan tidak boleh dirinya sendiri" in bad[10].problems[1].reason


def test_bad_row_message_is_bilingual_and_never_echoes_the_nip() -> None:
    result = parse_roster_csv(MIXED, today=TODAY)
    message = next(row for row in result.bad if row.line == 4).message
    assert message == "baris 4 (line 4): nip: NIP: tanggal lahir tidak valid (invalid birth date)"
    for row in result.bad:
        for nip in (HEAD, A, B, C, D, "198502302010011001"):
            assert nip not in row.message


def test_duplicate_counts_even_when_the_first_occurrence_was_bad() -> None:
    text = "\n".join(
        [
            HEADER,
            f"{A},Budi,disdukcapil,administrasi_kependudukan,Operator,pelaksana,X,",
            f"{A},Budi,disdukcapil,administrasi_kependudukan,Operator,pelaksana,II/c,",
        ]
    )
    result = parse_roster_csv(text, today=TODAY)
    assert result.good == ()
    assert [(row.line, problems(row)) for row in result.bad] == [(2, ["rank"]), (3, ["nip"])]


def test_semicolon_delimiter_bom_bytes_crlf_and_reordered_header() -> None:
    header = "NIP;Name;Unit_ID;Bidang;Position;Position_Type;Rank;Supervisor_NIP"
    row = f"{A};Budi Santoso;dinkes;kesehatan;Staf;Pelaksana;III/a;"
    data = ("\ufeff" + header + "\r\n" + row + "\r\n").encode("utf-8")
    result = parse_roster_csv(data, today=TODAY)
    assert result.bad == ()
    assert [p.unit_id for p in result.good] == ["dinkes"]

    reordered = "rank,nip,name,unit_id,bidang,position,position_type,supervisor_nip\n"
    reordered += f"III/a,{A},Budi,dinkes,kesehatan,Staf,pelaksana,\n"
    assert parse_roster_csv(reordered, today=TODAY).good[0].rank == "III/a"


def test_bom_in_text_input_is_ignored() -> None:
    text = "\ufeff" + HEADER + f"\n{A},Budi,dinkes,kesehatan,Staf,pelaksana,III/a,\n"
    assert len(parse_roster_csv(text, today=TODAY).good) == 1


@pytest.mark.parametrize(
    ("header", "fragments"),
    [
        (
            "nip,name,unit_id,bidang,position,position_type,rank",
            ["kolom hilang: supervisor_nip", "missing columns: supervisor_nip"],
        ),
        (
            HEADER + ",email",
            ["kolom tidak dikenal: email", "unknown columns: email"],
        ),
        (
            "nip,nama,unit_id,bidang,position,position_type,rank,supervisor_nip",
            ["kolom hilang: name", "kolom tidak dikenal: nama"],
        ),
        (HEADER + ",nip", ["kolom ganda: nip"]),
    ],
)
def test_wrong_header_is_one_clear_error(header: str, fragments: list[str]) -> None:
    with pytest.raises(RosterFileError) as caught:
        parse_roster_csv(
            header + f"\n{A},Budi,dinkes,kesehatan,Staf,pelaksana,III/a,\n", today=TODAY
        )
    message = str(caught.value)
    assert message.startswith("header salah")
    for fragment in fragments:
        assert fragment in message
    assert HEADER in message  # says what is expected


def test_empty_file_and_wrong_encoding_are_refused() -> None:
    with pytest.raises(RosterFileError, match="file kosong"):
        parse_roster_csv(b"\n\n", today=TODAY)
    with pytest.raises(RosterFileError, match="UTF-8"):
        parse_roster_csv((HEADER + "\nBudi \xe9\n").encode("latin-1"), today=TODAY)


def test_unknown_unit_is_a_bad_row_when_units_are_known() -> None:
    text = HEADER + f"\n{A},Budi,dinkes,kesehatan,Staf,pelaksana,III/a,\n"
    text += f"{B},Siti,dinkes-x,kesehatan,Staf,pelaksana,III/a,\n"
    result = parse_roster_csv(text, today=TODAY, known_units={"dinkes"})
    assert [p.nip for p in result.good] == [A]
    assert [(row.line, problems(row)) for row in result.bad] == [(3, ["unit_id"])]


def test_line_numbers_are_physical_lines_when_a_quoted_cell_spans_lines() -> None:
    text = "\n".join(
        [
            HEADER,
            f'{A},"Budi\nSantoso",dinkes,kesehatan,Staf,pelaksana,III/a,',  # lines 2-3
            f"{B},Siti,dinkes,kesehatan,Staf,pelaksana,III/z,",  # line 4
        ]
    )
    result = parse_roster_csv(text, today=TODAY)
    # A name holding a line break is refused (a control character in a one-line field); the
    # next row is still reported at its physical line.
    assert [row.line for row in result.bad] == [2, 4]


def test_header_only_gives_an_empty_import() -> None:
    result = parse_roster_csv(HEADER + "\n", today=TODAY)
    assert result.good == () and result.bad == ()
